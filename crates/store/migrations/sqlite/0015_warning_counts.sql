-- dixian schema v15 (SQLite): what county-wide warning lists need to stay
-- fast (docs/benchmarks.md, "County-wide pages").
--
-- warning_counts: how many warnings each village holds per status, risk
-- type and severity, kept by the triggers below in the writing transaction
-- (so no write path can forget it). The village is the household's
-- village now — the one the warning lists filter on
-- (store::warnings::list) — so a household that moves takes its warnings'
-- counts along. A list's total and the per-township open counts sum these
-- rows instead of counting the warnings of a whole county. Rows may drop
-- to 0; they are not deleted.
CREATE TABLE warning_counts (
    village_code TEXT NOT NULL,
    status       TEXT NOT NULL,
    risk_type    TEXT NOT NULL,
    severity     TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (village_code, status, risk_type, severity)
);

INSERT INTO warning_counts (village_code, status, risk_type, severity, n)
SELECT h.village_code, w.status, w.risk_type, w.severity, COUNT(*)
  FROM warnings w JOIN households h ON h.id = w.household_id
 WHERE 1 = 1
 GROUP BY h.village_code, w.status, w.risk_type, w.severity;

CREATE TRIGGER warning_counts_ins AFTER INSERT ON warnings BEGIN
    INSERT INTO warning_counts (village_code, status, risk_type, severity, n)
    SELECT h.village_code, NEW.status, NEW.risk_type, NEW.severity, 1
      FROM households h WHERE h.id = NEW.household_id
    ON CONFLICT (village_code, status, risk_type, severity) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER warning_counts_upd AFTER UPDATE OF status, risk_type, severity, household_id ON warnings
WHEN OLD.status <> NEW.status OR OLD.risk_type <> NEW.risk_type OR OLD.severity <> NEW.severity
  OR OLD.household_id <> NEW.household_id
BEGIN
    UPDATE warning_counts SET n = n - 1
     WHERE village_code = (SELECT village_code FROM households WHERE id = OLD.household_id)
       AND status = OLD.status AND risk_type = OLD.risk_type AND severity = OLD.severity;
    INSERT INTO warning_counts (village_code, status, risk_type, severity, n)
    SELECT h.village_code, NEW.status, NEW.risk_type, NEW.severity, 1
      FROM households h WHERE h.id = NEW.household_id
    ON CONFLICT (village_code, status, risk_type, severity) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER warning_counts_del AFTER DELETE ON warnings BEGIN
    UPDATE warning_counts SET n = n - 1
     WHERE village_code = (SELECT village_code FROM households WHERE id = OLD.household_id)
       AND status = OLD.status AND risk_type = OLD.risk_type AND severity = OLD.severity;
END;

-- A household that moves to another village takes its warnings' counts along.
CREATE TRIGGER warning_counts_move AFTER UPDATE OF village_code ON households
WHEN OLD.village_code <> NEW.village_code
BEGIN
    UPDATE warning_counts SET n = n - (
        SELECT COUNT(*) FROM warnings w
         WHERE w.household_id = NEW.id AND w.status = warning_counts.status
           AND w.risk_type = warning_counts.risk_type AND w.severity = warning_counts.severity)
     WHERE village_code = OLD.village_code;
    INSERT INTO warning_counts (village_code, status, risk_type, severity, n)
    SELECT NEW.village_code, w.status, w.risk_type, w.severity, COUNT(*)
      FROM warnings w WHERE w.household_id = NEW.id
     GROUP BY w.status, w.risk_type, w.severity
    ON CONFLICT (village_code, status, risk_type, severity) DO UPDATE SET n = n + excluded.n;
END;

-- The lists' order (most severe, newest first) as an index, so that a
-- page of a county reads its rows in order and stops at the page's end
-- instead of sorting every warning of the county; per status (the
-- default list is the open ones) and over all statuses.
CREATE INDEX warnings_status_order ON warnings(status, severity_rank, last_date, id);
CREATE INDEX warnings_order ON warnings(severity_rank, last_date, id);
CREATE INDEX warnings_run ON warnings(run_id);
