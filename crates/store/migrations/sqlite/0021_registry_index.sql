-- dixian schema v21 (SQLite): the screening's registry index kept at rest,
-- per village (docs/decisions.md, "Registry index at rest").
--
-- registry_index: one row per village that ever held a household; `blob`
-- is that village's part of the screening's registry snapshot (household
-- ids, income, flags; per person the ID number's 17-digit key, labor
-- capacity, disability grade) in the store's own little-endian layout
-- (store::registry_index), sealed with the data key like every column
-- that holds ID numbers. `generation` grows by one at every rebuild of
-- the village (a village left without households keeps its row, with an
-- empty part), so the generations of a region say whether its registry
-- changed since a run.
--
-- registry_index_dirty: the villages whose part a write changed, marked by
-- the triggers below in the writing transaction (the bulk import drops the
-- two insert triggers for its load and rebuilds the villages it wrote
-- before it commits). A run rebuilds the marked villages of its region
-- first, then reads the parts.
CREATE TABLE registry_index (
    village_code TEXT PRIMARY KEY,
    generation   INTEGER NOT NULL,
    households   INTEGER NOT NULL,
    persons      INTEGER NOT NULL,
    blob         TEXT NOT NULL,
    built_at     TEXT NOT NULL
);

CREATE TABLE registry_index_dirty (
    village_code TEXT NOT NULL
);
CREATE INDEX registry_index_dirty_village ON registry_index_dirty(village_code);

CREATE TRIGGER registry_index_households_ins AFTER INSERT ON households BEGIN
    INSERT INTO registry_index_dirty (village_code) SELECT NEW.village_code
     WHERE NOT EXISTS (SELECT 1 FROM registry_index_dirty WHERE village_code = NEW.village_code);
END;
CREATE TRIGGER registry_index_households_upd
    AFTER UPDATE OF village_code, income_wage, income_production, income_property, income_transfer,
                    formerly_poor, category ON households BEGIN
    INSERT INTO registry_index_dirty (village_code) SELECT NEW.village_code
     WHERE NOT EXISTS (SELECT 1 FROM registry_index_dirty WHERE village_code = NEW.village_code);
    INSERT INTO registry_index_dirty (village_code) SELECT OLD.village_code
     WHERE NOT EXISTS (SELECT 1 FROM registry_index_dirty WHERE village_code = OLD.village_code);
END;
CREATE TRIGGER registry_index_households_del AFTER DELETE ON households BEGIN
    INSERT INTO registry_index_dirty (village_code) SELECT OLD.village_code
     WHERE NOT EXISTS (SELECT 1 FROM registry_index_dirty WHERE village_code = OLD.village_code);
END;

CREATE TRIGGER registry_index_members_ins AFTER INSERT ON members BEGIN
    INSERT INTO registry_index_dirty (village_code) SELECT h.village_code FROM households h
     WHERE h.id = NEW.household_id
       AND NOT EXISTS (SELECT 1 FROM registry_index_dirty d WHERE d.village_code = h.village_code);
END;
CREATE TRIGGER registry_index_members_upd
    AFTER UPDATE OF household_id, position, id_number, labor, disability_grade ON members BEGIN
    INSERT INTO registry_index_dirty (village_code) SELECT DISTINCT h.village_code FROM households h
     WHERE h.id IN (NEW.household_id, OLD.household_id)
       AND NOT EXISTS (SELECT 1 FROM registry_index_dirty d WHERE d.village_code = h.village_code);
END;
CREATE TRIGGER registry_index_members_del AFTER DELETE ON members BEGIN
    INSERT INTO registry_index_dirty (village_code) SELECT h.village_code FROM households h
     WHERE h.id = OLD.household_id
       AND NOT EXISTS (SELECT 1 FROM registry_index_dirty d WHERE d.village_code = h.village_code);
END;

-- What a run saw, so that a run with nothing new is recorded as a no-op
-- without reading rows: the registry's state (a digest of the region's
-- village generations), the rule book's digest, the highest feed row id,
-- the hits the pass found; and, for a no-op, the run whose result it repeats.
ALTER TABLE screening_runs ADD COLUMN registry_state TEXT;
ALTER TABLE screening_runs ADD COLUMN rules_state TEXT;
ALTER TABLE screening_runs ADD COLUMN feed_rows_seen INTEGER;
ALTER TABLE screening_runs ADD COLUMN hits INTEGER;
ALTER TABLE screening_runs ADD COLUMN repeats_run INTEGER REFERENCES screening_runs(id);

-- Every village that holds households is built at the first run.
INSERT INTO registry_index_dirty (village_code) SELECT DISTINCT village_code FROM households;
