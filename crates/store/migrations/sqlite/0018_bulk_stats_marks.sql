-- dixian schema v18 (SQLite): nothing changes here. PostgreSQL's 0018
-- makes the insert triggers of households and members mark villages once
-- per statement; SQLite has no statement triggers, so its bulk import
-- (store::households::Importer) drops the two insert triggers of 0011
-- inside its transaction, marks each village it wrote once, and puts the
-- triggers back before it commits (docs/registry-format.md, "Bulk load").
-- The number is kept on both backends so their schema versions agree.
SELECT 1;
