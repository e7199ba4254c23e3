-- dixian schema v20 (SQLite): long work as background jobs (issue 14,
-- part 4). One row per job started from the web: what it is, whose
-- county, how far it got and how it ended. No personal data: the result
-- is a summary of counts and ids, the error a message without values.
-- Append-only: never edit after it lands.
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,          -- feed_import, screening_run, what_if, registry_import
    region_code      TEXT NOT NULL,          -- the starter's region (a county)
    started_by       INTEGER REFERENCES users(id),
    status           TEXT NOT NULL,          -- queued, running, succeeded, failed, cancelled, interrupted
    phase            TEXT NOT NULL,          -- queued, parsing, storing, loading, screening, recording, alerts, replaying, finished
    done             INTEGER NOT NULL DEFAULT 0,
    total            INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    started_at       TEXT,
    finished_at      TEXT,
    result           TEXT,                   -- JSON summary, no personal data
    error            TEXT,                   -- why it failed, no personal data
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK (kind IN ('feed_import', 'screening_run', 'what_if', 'registry_import')),
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'))
);
-- One writing job at a time per region: imports and screening runs of a
-- county conflict (a what-if only reads). Two clicks at once cannot both
-- insert: the second insert breaks this index.
CREATE UNIQUE INDEX jobs_one_writer ON jobs(region_code)
    WHERE status IN ('queued', 'running') AND kind <> 'what_if';
CREATE INDEX jobs_region ON jobs(region_code, id);
CREATE INDEX jobs_active ON jobs(status) WHERE status IN ('queued', 'running');
