-- dixian schema v18 (PostgreSQL): inserted households and members mark
-- their villages' figures dirty once per statement, not once per row
-- (docs/registry-format.md, "Bulk load"): a registry import COPYs a
-- hundred thousand rows in one statement, and the row trigger of 0011
-- would run once for each. Updates and deletes keep the row triggers.
DROP TRIGGER stats_households ON households;
DROP TRIGGER stats_members ON members;

CREATE TRIGGER stats_households AFTER UPDATE OR DELETE ON households
    FOR EACH ROW EXECUTE FUNCTION stats_mark_row();
CREATE TRIGGER stats_members AFTER UPDATE OR DELETE ON members
    FOR EACH ROW EXECUTE FUNCTION stats_mark_member();

CREATE FUNCTION stats_mark_inserted_households() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_dirty (village_code)
    SELECT DISTINCT n.village_code FROM inserted n
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty d WHERE d.village_code = n.village_code);
    RETURN NULL;
END $$;

CREATE FUNCTION stats_mark_inserted_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_dirty (village_code)
    SELECT DISTINCT h.village_code
      FROM (SELECT DISTINCT household_id FROM inserted) n JOIN households h ON h.id = n.household_id
     WHERE NOT EXISTS (SELECT 1 FROM stats_dirty d WHERE d.village_code = h.village_code);
    RETURN NULL;
END $$;

CREATE TRIGGER stats_households_ins AFTER INSERT ON households
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_inserted_households();
CREATE TRIGGER stats_members_ins AFTER INSERT ON members
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_inserted_members();
