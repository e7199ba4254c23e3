-- dixian schema v21 (PostgreSQL): the screening's registry index kept at
-- rest, per village (docs/decisions.md, "Registry index at rest"); see the
-- SQLite file for the tables. Inserts mark once per statement (a bulk
-- import COPYs a hundred thousand rows in one statement, and rebuilds the
-- villages it wrote before it commits); updates of the columns the index
-- holds and deletes mark row by row.
--
-- Unlike the figures' marks, a mark is added even when the village has one
-- already: under READ COMMITTED a refresh may take the existing mark and
-- rebuild the village from a snapshot without this writer's rows; the
-- writer's own (uncommitted) mark is not taken by it and survives for the
-- next refresh. Duplicates are harmless (the refresh reads distinct
-- villages and takes all marks of one).
CREATE TABLE registry_index (
    village_code TEXT PRIMARY KEY,
    generation   BIGINT NOT NULL,
    households   BIGINT NOT NULL,
    persons      BIGINT NOT NULL,
    blob         TEXT NOT NULL,
    built_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE registry_index_dirty (
    village_code TEXT NOT NULL
);
CREATE INDEX registry_index_dirty_village ON registry_index_dirty(village_code);

CREATE FUNCTION registry_index_mark(v TEXT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO registry_index_dirty (village_code) SELECT v WHERE v IS NOT NULL;
$$;

CREATE FUNCTION registry_index_mark_household() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN PERFORM registry_index_mark(NEW.village_code); END IF;
    PERFORM registry_index_mark(OLD.village_code);
    RETURN NULL;
END $$;

CREATE FUNCTION registry_index_mark_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM registry_index_mark((SELECT village_code FROM households WHERE id = NEW.household_id));
    END IF;
    PERFORM registry_index_mark((SELECT village_code FROM households WHERE id = OLD.household_id));
    RETURN NULL;
END $$;

CREATE TRIGGER registry_index_households
    AFTER UPDATE OF village_code, income_wage, income_production, income_property, income_transfer,
                    formerly_poor, category OR DELETE ON households
    FOR EACH ROW EXECUTE FUNCTION registry_index_mark_household();
CREATE TRIGGER registry_index_members
    AFTER UPDATE OF household_id, position, id_number, labor, disability_grade OR DELETE ON members
    FOR EACH ROW EXECUTE FUNCTION registry_index_mark_member();

CREATE FUNCTION registry_index_mark_inserted_households() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO registry_index_dirty (village_code)
    SELECT DISTINCT n.village_code FROM inserted n;
    RETURN NULL;
END $$;

CREATE FUNCTION registry_index_mark_inserted_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO registry_index_dirty (village_code)
    SELECT DISTINCT h.village_code
      FROM (SELECT DISTINCT household_id FROM inserted) n JOIN households h ON h.id = n.household_id;
    RETURN NULL;
END $$;

CREATE TRIGGER registry_index_households_ins AFTER INSERT ON households
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION registry_index_mark_inserted_households();
CREATE TRIGGER registry_index_members_ins AFTER INSERT ON members
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION registry_index_mark_inserted_members();

ALTER TABLE screening_runs ADD COLUMN registry_state TEXT;
ALTER TABLE screening_runs ADD COLUMN rules_state TEXT;
ALTER TABLE screening_runs ADD COLUMN feed_rows_seen BIGINT;
ALTER TABLE screening_runs ADD COLUMN hits BIGINT;
ALTER TABLE screening_runs ADD COLUMN repeats_run BIGINT REFERENCES screening_runs(id);

INSERT INTO registry_index_dirty (village_code) SELECT DISTINCT village_code FROM households;
