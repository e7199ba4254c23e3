-- dixian schema v12 (SQLite): 规模性返贫预警 — early alerts that a village,
-- township or county is hit by one shock (docs/alerts.md). Append-only:
-- never edit after it lands.

-- One alert: a region and risk type above its usual level in a window.
-- At most one open alert per region and risk type (a run grows it).
CREATE TABLE alerts (
    id               INTEGER PRIMARY KEY,
    region_code      TEXT NOT NULL,          -- village (12), township (9) or county (6 digits)
    region_padded    TEXT NOT NULL,          -- the same, padded to 12 digits: scope filters
    level            INTEGER NOT NULL,       -- 3 county, 4 township, 5 village
    risk_type        TEXT NOT NULL,
    window_from      TEXT NOT NULL,
    window_to        TEXT NOT NULL,
    households       INTEGER NOT NULL,       -- households hit within the window
    baseline_mean    REAL NOT NULL,
    baseline_sigma   REAL NOT NULL,
    baseline_windows INTEGER NOT NULL,
    threshold        REAL NOT NULL,
    severity         TEXT NOT NULL,
    severity_rank    INTEGER NOT NULL,       -- 3 high, 2 medium, 1 low: for sorting
    status           TEXT NOT NULL,          -- open, resolved
    rule_set_name    TEXT NOT NULL,
    raised_at        TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    resolved_by      INTEGER REFERENCES users(id),
    resolved_at      TEXT,
    resolution       TEXT,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX alerts_one_open ON alerts(region_code, risk_type) WHERE status = 'open';
CREATE INDEX alerts_scope ON alerts(region_padded, status, severity_rank);

-- The events an alert rests on: a warning, a lead or a case, its
-- household and day.
CREATE TABLE alert_evidence (
    alert_id     INTEGER NOT NULL REFERENCES alerts(id),
    source       TEXT NOT NULL,              -- warning, lead, case
    source_id    INTEGER NOT NULL,
    household_id INTEGER NOT NULL REFERENCES households(id),
    village_code TEXT NOT NULL,
    on_date      TEXT NOT NULL,
    added_at     TEXT NOT NULL,
    PRIMARY KEY (alert_id, source, source_id)
);

-- Who was told: the township and the county whose inbox shows the alert.
CREATE TABLE alert_recipients (
    alert_id    INTEGER NOT NULL REFERENCES alerts(id),
    region_code TEXT NOT NULL,
    told_at     TEXT NOT NULL,
    PRIMARY KEY (alert_id, region_code)
);
CREATE INDEX alert_recipients_region ON alert_recipients(region_code, alert_id);
