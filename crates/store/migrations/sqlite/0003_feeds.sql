-- Department feeds (部门数据): one batch per delivered file, its rows kept
-- with the batch so every warning can show the evidence it came from.
-- Append-only: never edit after it lands.

CREATE TABLE feed_batches (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    sha256        TEXT NOT NULL UNIQUE,
    idempotency_key TEXT UNIQUE,
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
    row_key       TEXT NOT NULL UNIQUE
);
CREATE INDEX feed_rows_batch ON feed_rows(batch_id, line);
CREATE INDEX feed_rows_person ON feed_rows(id_number, event_date);
CREATE INDEX feed_rows_village ON feed_rows(village_code, kind, event_date);
