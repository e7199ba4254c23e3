-- dixian schema v11 (PostgreSQL): the figures leaders read (docs/figures.md),
-- kept as per-village, per-month counters. See the SQLite file of the same
-- number for what each table holds.
CREATE TABLE stats_village_month (
    village_code TEXT NOT NULL,
    month        TEXT NOT NULL,
    figure       TEXT NOT NULL,
    dim          TEXT NOT NULL,
    value        BIGINT NOT NULL,
    PRIMARY KEY (village_code, month, figure, dim)
);

CREATE TABLE stats_dirty (
    village_code TEXT NOT NULL
);
CREATE INDEX stats_dirty_village ON stats_dirty(village_code);

CREATE FUNCTION stats_mark(v TEXT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO stats_dirty (village_code) SELECT v
     WHERE v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = v);
$$;

-- households, cases, warnings, measures: the row's own village (old and new).
CREATE FUNCTION stats_mark_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM stats_mark(NEW.village_code); END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM stats_mark(OLD.village_code); END IF;
    RETURN NULL;
END $$;

-- members: the household's village.
CREATE FUNCTION stats_mark_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM stats_mark((SELECT village_code FROM households WHERE id = NEW.household_id));
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM stats_mark((SELECT village_code FROM households WHERE id = OLD.household_id));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER stats_households AFTER INSERT OR UPDATE OR DELETE ON households
    FOR EACH ROW EXECUTE FUNCTION stats_mark_row();
CREATE TRIGGER stats_members AFTER INSERT OR UPDATE OR DELETE ON members
    FOR EACH ROW EXECUTE FUNCTION stats_mark_member();
CREATE TRIGGER stats_cases AFTER INSERT OR UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION stats_mark_row();
CREATE TRIGGER stats_warnings AFTER INSERT OR UPDATE ON warnings
    FOR EACH ROW EXECUTE FUNCTION stats_mark_row();
CREATE TRIGGER stats_measures AFTER INSERT OR UPDATE ON measures
    FOR EACH ROW EXECUTE FUNCTION stats_mark_row();

-- Every village that holds data is dirty at first: the first read counts it.
INSERT INTO stats_dirty (village_code) SELECT DISTINCT village_code FROM households;
