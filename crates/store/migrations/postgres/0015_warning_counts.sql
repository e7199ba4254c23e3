-- dixian schema v15 (PostgreSQL): warning counts per village kept by
-- triggers, and the lists' order as an index. See the SQLite file of the
-- same number for what each holds.
CREATE TABLE warning_counts (
    village_code TEXT NOT NULL,
    status       TEXT NOT NULL,
    risk_type    TEXT NOT NULL,
    severity     TEXT NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (village_code, status, risk_type, severity)
);

INSERT INTO warning_counts (village_code, status, risk_type, severity, n)
SELECT h.village_code, w.status, w.risk_type, w.severity, COUNT(*)
  FROM warnings w JOIN households h ON h.id = w.household_id
 GROUP BY h.village_code, w.status, w.risk_type, w.severity;

CREATE FUNCTION warning_counts_add(hh BIGINT, st TEXT, rt TEXT, sv TEXT, d BIGINT) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO warning_counts (village_code, status, risk_type, severity, n)
    SELECT h.village_code, st, rt, sv, d FROM households h WHERE h.id = hh
    ON CONFLICT (village_code, status, risk_type, severity)
    DO UPDATE SET n = warning_counts.n + EXCLUDED.n;
$$;

CREATE FUNCTION warning_counts_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.risk_type = NEW.risk_type
       AND OLD.severity = NEW.severity AND OLD.household_id = NEW.household_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM warning_counts_add(OLD.household_id, OLD.status, OLD.risk_type, OLD.severity, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM warning_counts_add(NEW.household_id, NEW.status, NEW.risk_type, NEW.severity, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION warning_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.village_code = NEW.village_code THEN
        RETURN NULL;
    END IF;
    UPDATE warning_counts c SET n = c.n - m.k
      FROM (SELECT status, risk_type, severity, COUNT(*) AS k FROM warnings
             WHERE household_id = NEW.id GROUP BY status, risk_type, severity) m
     WHERE c.village_code = OLD.village_code AND c.status = m.status
       AND c.risk_type = m.risk_type AND c.severity = m.severity;
    INSERT INTO warning_counts (village_code, status, risk_type, severity, n)
    SELECT NEW.village_code, status, risk_type, severity, COUNT(*) FROM warnings
     WHERE household_id = NEW.id GROUP BY status, risk_type, severity
    ON CONFLICT (village_code, status, risk_type, severity)
    DO UPDATE SET n = warning_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE TRIGGER warning_counts AFTER INSERT OR UPDATE OR DELETE ON warnings
    FOR EACH ROW EXECUTE FUNCTION warning_counts_row();
CREATE TRIGGER warning_counts_move AFTER UPDATE OF village_code ON households
    FOR EACH ROW EXECUTE FUNCTION warning_counts_move();

CREATE INDEX warnings_status_order ON warnings(status, severity_rank, last_date, id);
CREATE INDEX warnings_order ON warnings(severity_rank, last_date, id);
CREATE INDEX warnings_run ON warnings(run_id);
