-- dixian schema v11 (SQLite): the figures leaders read (docs/figures.md),
-- kept as per-village, per-month counters.
--
-- stats_village_month holds, for each village, the counters of
-- docs/figures.md: `month` is 'YYYY-MM' (China time) for what happened in
-- that month (new, eliminated, warnings raised …) and '' for the state as
-- it stands (monitored households, coverage, open cases by due day).
-- `dim` is the figure's breakdown (a category, a risk type, feed|rule, a
-- day count); `value` a count. Derived data: `dixian stats rebuild`
-- recomputes it from scratch.
--
-- stats_dirty: the villages whose counters a write has changed, marked by
-- the triggers below in the writing transaction itself (so no write path
-- can forget it); the reader recomputes those villages before it reads
-- (store::stats::refresh) and removes their marks in the same transaction.
-- No unique key: a mark added twice is harmless, and a concurrent writer's
-- mark is never lost to a refresh that did not see its data.
CREATE TABLE stats_village_month (
    village_code TEXT NOT NULL,
    month        TEXT NOT NULL,
    figure       TEXT NOT NULL,
    dim          TEXT NOT NULL,
    value        INTEGER NOT NULL,
    PRIMARY KEY (village_code, month, figure, dim)
);

CREATE TABLE stats_dirty (
    village_code TEXT NOT NULL
);
CREATE INDEX stats_dirty_village ON stats_dirty(village_code);

CREATE TRIGGER stats_households_ins AFTER INSERT ON households BEGIN
    INSERT INTO stats_dirty (village_code) SELECT NEW.village_code
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = NEW.village_code);
END;
CREATE TRIGGER stats_households_upd AFTER UPDATE ON households BEGIN
    INSERT INTO stats_dirty (village_code) SELECT NEW.village_code
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = NEW.village_code);
    INSERT INTO stats_dirty (village_code) SELECT OLD.village_code
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = OLD.village_code);
END;
CREATE TRIGGER stats_households_del AFTER DELETE ON households BEGIN
    INSERT INTO stats_dirty (village_code) SELECT OLD.village_code
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = OLD.village_code);
END;

CREATE TRIGGER stats_members_ins AFTER INSERT ON members BEGIN
    INSERT INTO stats_dirty (village_code) SELECT h.village_code FROM households h
     WHERE h.id = NEW.household_id
       AND NOT EXISTS (SELECT 1 FROM stats_dirty d WHERE d.village_code = h.village_code);
END;
CREATE TRIGGER stats_members_upd AFTER UPDATE ON members BEGIN
    INSERT INTO stats_dirty (village_code) SELECT h.village_code FROM households h
     WHERE h.id = NEW.household_id
       AND NOT EXISTS (SELECT 1 FROM stats_dirty d WHERE d.village_code = h.village_code);
END;
CREATE TRIGGER stats_members_del AFTER DELETE ON members BEGIN
    INSERT INTO stats_dirty (village_code) SELECT h.village_code FROM households h
     WHERE h.id = OLD.household_id
       AND NOT EXISTS (SELECT 1 FROM stats_dirty d WHERE d.village_code = h.village_code);
END;

CREATE TRIGGER stats_cases_ins AFTER INSERT ON cases BEGIN
    INSERT INTO stats_dirty (village_code) SELECT NEW.village_code
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = NEW.village_code);
END;
CREATE TRIGGER stats_cases_upd AFTER UPDATE ON cases BEGIN
    INSERT INTO stats_dirty (village_code) SELECT NEW.village_code
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = NEW.village_code);
END;

CREATE TRIGGER stats_warnings_ins AFTER INSERT ON warnings BEGIN
    INSERT INTO stats_dirty (village_code) SELECT NEW.village_code
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = NEW.village_code);
END;
CREATE TRIGGER stats_warnings_upd AFTER UPDATE ON warnings BEGIN
    INSERT INTO stats_dirty (village_code) SELECT NEW.village_code
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = NEW.village_code);
    INSERT INTO stats_dirty (village_code) SELECT OLD.village_code
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = OLD.village_code);
END;

CREATE TRIGGER stats_measures_ins AFTER INSERT ON measures BEGIN
    INSERT INTO stats_dirty (village_code) SELECT NEW.village_code
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = NEW.village_code);
END;
CREATE TRIGGER stats_measures_upd AFTER UPDATE ON measures BEGIN
    INSERT INTO stats_dirty (village_code) SELECT NEW.village_code
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = NEW.village_code);
END;

-- Every village that holds data is dirty at first: the first read counts it.
INSERT INTO stats_dirty (village_code) SELECT DISTINCT village_code FROM households;
