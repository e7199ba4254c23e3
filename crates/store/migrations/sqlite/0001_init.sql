-- dixian schema v1 (SQLite). Append-only: never edit after it lands.

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,          -- significant digits: 2/4/6/9/12
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    name        TEXT NOT NULL,
    parent      TEXT            -- checked by the import (an FK costs 5x on PostgreSQL bulk loads)
);
CREATE INDEX regions_parent ON regions(parent);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    region_code   TEXT NOT NULL REFERENCES regions(code),
    active        BOOLEAN NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('cookie', 'token')),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE households (
    id                INTEGER PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    village_code      TEXT NOT NULL REFERENCES regions(code),
    village_group     TEXT,
    address           TEXT NOT NULL,
    category          TEXT,
    formerly_poor     BOOLEAN NOT NULL,
    housing           TEXT NOT NULL,
    water             TEXT NOT NULL,
    farmland_mu       REAL NOT NULL DEFAULT 0,
    forest_mu         REAL NOT NULL DEFAULT 0,
    income_wage       INTEGER NOT NULL DEFAULT 0,
    income_production INTEGER NOT NULL DEFAULT 0,
    income_property   INTEGER NOT NULL DEFAULT 0,
    income_transfer   INTEGER NOT NULL DEFAULT 0,
    medical_expense   INTEGER NOT NULL DEFAULT 0,
    schooling_expense INTEGER NOT NULL DEFAULT 0,
    head_name         TEXT NOT NULL,
    member_count      INTEGER NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX households_village ON households(village_code, number);

CREATE TABLE members (
    id               INTEGER PRIMARY KEY,
    household_id     INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    id_number        TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    relation         TEXT NOT NULL,
    labor            TEXT NOT NULL,
    disability_kind  TEXT,
    disability_grade INTEGER,
    illness          TEXT NOT NULL,
    student_stage    TEXT,
    student_status   TEXT,
    insurance        TEXT NOT NULL,
    employment       TEXT NOT NULL,
    phone            TEXT
);
CREATE INDEX members_household ON members(household_id, position);

CREATE TABLE audit_chain (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seq       INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_chain (id, seq, last_hash) VALUES (1, 0, '');

CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     INTEGER,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    region_code TEXT,
    before      TEXT,
    after       TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
