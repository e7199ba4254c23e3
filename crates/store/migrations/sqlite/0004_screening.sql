-- Screening (部门筛查预警): rule set versions, screening runs and the
-- warnings they raise, each with its evidence rows. Append-only: never
-- edit after it lands.

-- Every version of every rule set ever adopted: an edit adds a row, never
-- rewrites one. The set in force for (region, valid_from) is its highest
-- version; the TOML text is kept so a warning can always show its rule.
CREATE TABLE rule_sets (
    id          INTEGER PRIMARY KEY,
    region      TEXT NOT NULL,              -- 'national', a 2-digit province or a 6-digit county
    valid_from  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    name        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    source      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    added_by    INTEGER REFERENCES users(id),
    added_at    TEXT NOT NULL,
    UNIQUE (region, valid_from, version)
);

-- One screening pass over the feed rows of a region.
CREATE TABLE screening_runs (
    id                INTEGER PRIMARY KEY,
    region_code       TEXT NOT NULL,
    as_of             TEXT NOT NULL,
    rows_screened     INTEGER NOT NULL,
    warnings_raised   INTEGER NOT NULL,
    warnings_extended INTEGER NOT NULL,
    warnings_known    INTEGER NOT NULL,
    warnings_attached INTEGER NOT NULL,
    run_by            INTEGER REFERENCES users(id),
    started_at        TEXT NOT NULL,
    finished_at       TEXT NOT NULL
);
CREATE INDEX screening_runs_region ON screening_runs(region_code, id);

-- The batches a run read: the next run of the region reads the batches no
-- run has read yet (whatever their row ids or dates), plus the window.
CREATE TABLE screening_batches (
    run_id   INTEGER NOT NULL REFERENCES screening_runs(id),
    batch_id INTEGER NOT NULL REFERENCES feed_batches(id),
    PRIMARY KEY (run_id, batch_id)
);
CREATE INDEX screening_batches_batch ON screening_batches(batch_id);

-- 预警: one rule's hit on one subject (a person, or a household for
-- household and village rules). Personal data stays in the row (the ID
-- number of the person), never in logs or URLs.
CREATE TABLE warnings (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES screening_runs(id),
    household_id     INTEGER NOT NULL REFERENCES households(id),
    village_code     TEXT NOT NULL,
    person_id_number TEXT,
    rule_id          TEXT NOT NULL,
    rule_set_region  TEXT NOT NULL,
    rule_set_from    TEXT NOT NULL,
    rule_set_version INTEGER NOT NULL,
    rule_set_name    TEXT NOT NULL,
    feed_kind        TEXT NOT NULL,
    rule_condition   TEXT NOT NULL,
    risk_type        TEXT NOT NULL,
    severity         TEXT NOT NULL,
    severity_rank    INTEGER NOT NULL,      -- 3 high, 2 medium, 1 low: for sorting
    first_date       TEXT NOT NULL,         -- earliest evidence date
    last_date        TEXT NOT NULL,         -- latest evidence date
    as_of            TEXT NOT NULL,
    raised_at        TEXT NOT NULL,
    status           TEXT NOT NULL,         -- open, attached, verified, dismissed
    case_id          INTEGER REFERENCES cases(id),
    lead_id          INTEGER REFERENCES leads(id),
    resolved_by      INTEGER REFERENCES users(id),
    resolved_at      TEXT,
    resolution       TEXT,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX warnings_village ON warnings(village_code, status, raised_at);
CREATE INDEX warnings_household ON warnings(household_id, rule_id);
CREATE INDEX warnings_case ON warnings(case_id);

-- The feed rows a warning rests on.
CREATE TABLE warning_evidence (
    warning_id  INTEGER NOT NULL REFERENCES warnings(id),
    feed_row_id INTEGER NOT NULL REFERENCES feed_rows(id),
    PRIMARY KEY (warning_id, feed_row_id)
);
CREATE INDEX warning_evidence_row ON warning_evidence(feed_row_id);
