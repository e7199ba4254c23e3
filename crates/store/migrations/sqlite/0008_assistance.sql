-- dixian schema v8 (SQLite): assistance (帮扶) — the county's roster of
-- helpers, one plan per household and identification run (case), the
-- measures received (the assistance chain), imported measure lists and
-- follow-up visits as data. Append-only: never edit after it lands.
--
-- A person is referenced by the keyed hash of their ID number
-- (`person_hash`, equal to `members.id_hash`) beside the number sealed
-- with the data key (`person_id_number`): members are rewritten when a
-- household is edited, and a person's chain outlives a move.
-- Coded values are TEXT codes of their domain type.

-- 帮扶责任人: the roster of one county. `phone` is sealed with the data key.
CREATE TABLE helpers (
    id           INTEGER PRIMARY KEY,
    county_code  TEXT NOT NULL,
    name         TEXT NOT NULL,
    unit         TEXT NOT NULL,
    phone        TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_by   INTEGER REFERENCES users(id),
    created_at   TEXT NOT NULL
);
CREATE INDEX helpers_county ON helpers(county_code, name);

-- 一户一策: one plan per household and case (identification run).
CREATE TABLE plans (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    case_id      INTEGER NOT NULL UNIQUE REFERENCES cases(id),
    village_code TEXT NOT NULL,
    status       TEXT NOT NULL,
    helper_id    INTEGER REFERENCES helpers(id),
    starts_on    TEXT NOT NULL,
    review_on    TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX plans_household ON plans(household_id, id);
CREATE INDEX plans_helper ON plans(helper_id, status);

-- The measures a plan foresees (person NULL: the household as a whole).
CREATE TABLE plan_measures (
    id               INTEGER PRIMARY KEY,
    plan_id          INTEGER NOT NULL REFERENCES plans(id),
    position         INTEGER NOT NULL,
    person_hash      TEXT,
    person_id_number TEXT,
    kind             TEXT NOT NULL,
    reason           TEXT NOT NULL,
    UNIQUE (plan_id, position)
);

-- A department's or bank's list imported as one batch; the same bytes
-- twice in a region are one batch.
CREATE TABLE measure_batches (
    id           INTEGER PRIMARY KEY,
    region_code  TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    department   TEXT,
    kind         TEXT,
    rows_total   INTEGER NOT NULL,
    rows_matched INTEGER NOT NULL,
    rows_unknown INTEGER NOT NULL,
    imported_by  INTEGER REFERENCES users(id),
    imported_at  TEXT NOT NULL,
    UNIQUE (region_code, sha256)
);

-- 救助链: every measure received, per household and person, over time.
CREATE TABLE measures (
    id               INTEGER PRIMARY KEY,
    household_id     INTEGER NOT NULL REFERENCES households(id),
    village_code     TEXT NOT NULL,
    person_hash      TEXT,
    person_id_number TEXT,
    kind             TEXT NOT NULL,
    department       TEXT NOT NULL,
    amount_fen       INTEGER,
    starts_on        TEXT NOT NULL,
    ends_on          TEXT,
    status           TEXT NOT NULL,
    source           TEXT NOT NULL,
    evidence         TEXT NOT NULL,
    batch_id         INTEGER REFERENCES measure_batches(id),
    line             INTEGER,
    version          INTEGER NOT NULL DEFAULT 1,
    created_by       INTEGER REFERENCES users(id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX measures_household ON measures(household_id, starts_on);
CREATE INDEX measures_person ON measures(person_hash, starts_on);
CREATE INDEX measures_village ON measures(village_code, kind, starts_on);
CREATE INDEX measures_batch ON measures(batch_id, line);

-- 跟踪回访 as data: income by source over a period, 两不愁三保障.
CREATE TABLE visits (
    id                  INTEGER PRIMARY KEY,
    household_id        INTEGER NOT NULL REFERENCES households(id),
    village_code        TEXT NOT NULL,
    visited_on          TEXT NOT NULL,
    period_from         TEXT NOT NULL,
    period_to           TEXT NOT NULL,
    income_wage_fen     INTEGER NOT NULL,
    income_business_fen INTEGER NOT NULL,
    income_property_fen INTEGER NOT NULL,
    income_transfer_fen INTEGER NOT NULL,
    persons             INTEGER NOT NULL,
    food                BOOLEAN NOT NULL,
    clothing            BOOLEAN NOT NULL,
    schooling           BOOLEAN NOT NULL,
    medical             BOOLEAN NOT NULL,
    housing             BOOLEAN NOT NULL,
    water               BOOLEAN NOT NULL,
    note                TEXT NOT NULL,
    created_by          INTEGER REFERENCES users(id),
    created_at          TEXT NOT NULL
);
CREATE INDEX visits_household ON visits(household_id, visited_on);

-- Each measure's state and effect seen at a visit.
CREATE TABLE visit_measures (
    id         INTEGER PRIMARY KEY,
    visit_id   INTEGER NOT NULL REFERENCES visits(id),
    measure_id INTEGER NOT NULL REFERENCES measures(id),
    status     TEXT NOT NULL,
    effect     TEXT NOT NULL,
    UNIQUE (visit_id, measure_id)
);
CREATE INDEX visit_measures_measure ON visit_measures(measure_id);
