-- dixian schema v2 (SQLite): monitoring cases (监测案件), their events and
-- the leads (线索) that open them. Append-only: never edit after it lands.

-- One run of the workflow per household at a time: the snapshot (the
-- domain `Case` as JSON) is authoritative; stage, times and due_on are
-- copies for indexed queries, rewritten with every event.
CREATE TABLE cases (
    id               INTEGER PRIMARY KEY,
    household_id     INTEGER NOT NULL REFERENCES households(id),
    village_code     TEXT NOT NULL,
    stage            TEXT NOT NULL,
    snapshot         TEXT NOT NULL,
    opened_at        TEXT NOT NULL,
    stage_entered_at TEXT NOT NULL,
    due_on           TEXT,              -- deadline of the current step (China date); NULL when nothing is owed
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
-- inbox: the stages a role owes, in a region, oldest first
CREATE INDEX cases_stage_village ON cases(stage, village_code, stage_entered_at);
-- overdue lists and notices: by region
CREATE INDEX cases_village_due ON cases(village_code, due_on);
-- a household has at most one case that is not closed by rejection
CREATE UNIQUE INDEX cases_household_open ON cases(household_id) WHERE stage <> 'rejected';
CREATE INDEX cases_household ON cases(household_id, id);

-- The event log of a case, replayable through the domain's `apply`: the
-- actor's role and region and the policy in force are kept with each.
CREATE TABLE case_events (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    seq           INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    event         TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users(id),
    actor_role    TEXT NOT NULL,          -- a role code, or 'public' for a resident's declaration
    actor_region  TEXT NOT NULL,
    policy        TEXT NOT NULL,          -- the WorkflowPolicy applied, as JSON
    at            TEXT NOT NULL,
    from_stage    TEXT NOT NULL,
    to_stage      TEXT NOT NULL,
    UNIQUE (case_id, seq)
);

-- 线索 from any channel. Personal data (declarant's name, ID number,
-- phone) is kept for the village's check and never logged; the ID number
-- only while the lead is unmatched.
CREATE TABLE leads (
    id                  INTEGER PRIMARY KEY,
    reference           TEXT NOT NULL UNIQUE,
    channel             TEXT NOT NULL,
    household_id        INTEGER REFERENCES households(id),
    village_code        TEXT NOT NULL REFERENCES regions(code),
    risk_types          TEXT NOT NULL,    -- comma-separated risk type codes
    note                TEXT NOT NULL,
    declarant_name      TEXT,
    declarant_id_number TEXT,
    declarant_phone     TEXT,
    created_by          INTEGER REFERENCES users(id),
    created_at          TEXT NOT NULL,
    case_id             INTEGER REFERENCES cases(id),
    status              TEXT NOT NULL,    -- unmatched, opened, joined, re_entered, dismissed
    resolved_by         INTEGER REFERENCES users(id),
    resolved_at         TEXT,
    resolution          TEXT
);
CREATE INDEX leads_village_status ON leads(village_code, status, created_at);
CREATE INDEX leads_household ON leads(household_id, created_at);
CREATE INDEX leads_case ON leads(case_id);
