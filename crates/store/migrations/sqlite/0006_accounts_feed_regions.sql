-- Account lifecycle and per-county feed identity. Append-only: never edit
-- after it lands.

-- When the user last logged in (NULL: not since this column exists).
ALTER TABLE users ADD COLUMN last_login_at TEXT;

-- A feed batch and its rows belong to the region that loaded them: the
-- same bytes (or Idempotency-Key) are "already loaded" only within that
-- region, and an evidence row is kept once per region, so a second
-- county loading a province-wide file gets its own batch and its own
-- people matched. SQLite cannot drop a column's UNIQUE constraint, so the
-- two tables are rebuilt with the same ids. Rows that point at them
-- (feed_rows, screening_batches, warning_evidence) are checked at commit:
-- the drop counts them as violations and the re-inserted rows settle them.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE feed_batches_0006 AS SELECT * FROM feed_batches;
CREATE TEMP TABLE feed_rows_0006 AS SELECT * FROM feed_rows;
DROP TABLE feed_rows;
DROP TABLE feed_batches;

CREATE TABLE feed_batches (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    idempotency_key TEXT,
    file_name     TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    rows_total    INTEGER NOT NULL,
    rows_matched  INTEGER NOT NULL,
    rows_unknown  INTEGER NOT NULL,
    rows_duplicate INTEGER NOT NULL,
    first_date    TEXT,
    last_date     TEXT,
    imported_by   INTEGER,
    imported_at   TEXT NOT NULL
);
INSERT INTO feed_batches (id, kind, sha256, idempotency_key, file_name, region_code, rows_total,
        rows_matched, rows_unknown, rows_duplicate, first_date, last_date, imported_by, imported_at)
    SELECT id, kind, sha256, idempotency_key, file_name, region_code, rows_total,
        rows_matched, rows_unknown, rows_duplicate, first_date, last_date, imported_by, imported_at
    FROM feed_batches_0006;
CREATE UNIQUE INDEX feed_batches_region_sha256 ON feed_batches(region_code, sha256);
CREATE UNIQUE INDEX feed_batches_region_key ON feed_batches(region_code, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE feed_rows (
    id            INTEGER PRIMARY KEY,
    batch_id      INTEGER NOT NULL REFERENCES feed_batches(id),
    line          INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    id_number     TEXT,
    village_code  TEXT,
    household_id  INTEGER,
    event_date    TEXT NOT NULL,
    payload       TEXT NOT NULL,
    row_key       TEXT NOT NULL,
    region_code   TEXT NOT NULL          -- the batch's region
);
INSERT INTO feed_rows (id, batch_id, line, kind, id_number, village_code, household_id,
        event_date, payload, row_key, region_code)
    SELECT r.id, r.batch_id, r.line, r.kind, r.id_number, r.village_code, r.household_id,
        r.event_date, r.payload, r.row_key, b.region_code
    FROM feed_rows_0006 r JOIN feed_batches b ON b.id = r.batch_id;
DROP TABLE feed_rows_0006;
DROP TABLE feed_batches_0006;
CREATE UNIQUE INDEX feed_rows_region_key ON feed_rows(region_code, row_key);
CREATE INDEX feed_rows_batch ON feed_rows(batch_id, line);
CREATE INDEX feed_rows_person ON feed_rows(id_number, event_date);
CREATE INDEX feed_rows_village ON feed_rows(village_code, kind, event_date);

-- A village-level row naming a village outside its batch's region matched
-- nothing: it is that region's coverage gap, not evidence another region's
-- screening reads (unmatched person rows never had a village).
UPDATE feed_rows SET village_code = NULL
    WHERE household_id IS NULL AND village_code IS NOT NULL
      AND SUBSTR(village_code, 1, LENGTH(region_code)) <> region_code;
