# The DuckDB peer of `dixian bench screening`: the same three medical rules
# as SQL over DuckDB's own database file.
#   peer.py load DB CSV_DIR          build DB from the CSV files (not timed)
#   peer.py run DB AS_OF START THREADS OUT
#                                    screen; print seconds and peak RSS
import json
import resource
import sys
import time

import duckdb

TABLES = {
    "households": {"hh": "INTEGER", "county": "INTEGER", "income_fen": "BIGINT", "members": "SMALLINT"},
    "persons": {"id": "BIGINT", "hh": "INTEGER"},
    "medical": {"row": "INTEGER", "person": "BIGINT", "day": "DATE", "visit": "TINYINT", "paid": "BIGINT"},
    "sets": {"set_id": "INTEGER", "region": "INTEGER", "valid_from": "DATE", "valid_to": "DATE",
             "line_fen": "BIGINT", "factor_milli": "BIGINT", "stay_fen": "BIGINT", "year_fen": "BIGINT"},
    "rules": {"set_id": "INTEGER", "rule_idx": "INTEGER", "rule_id": "VARCHAR", "cond": "VARCHAR"},
}

# The set in force for a county on a day: the county's, else the
# province's, else the national baseline (region 0). Sets of one region
# never overlap, so each LEFT JOIN finds at most one.
SELECT_SET = """
    LEFT JOIN sets c  ON c.region  = {county} AND {day} BETWEEN c.valid_from  AND c.valid_to
    LEFT JOIN sets pv ON pv.region = {county} // 10000 AND {day} BETWEEN pv.valid_from AND pv.valid_to
    LEFT JOIN sets n  ON n.region  = 0 AND {day} BETWEEN n.valid_from AND n.valid_to
"""

SQL = """
CREATE TEMP TABLE w AS
WITH r AS (
    SELECT m.row, m.person, m.day, m.visit, m.paid, p.hh, h.county, h.income_fen, h.members
    FROM medical m
    JOIN persons p ON p.id = m.person
    JOIN households h ON h.hh = p.hh
    WHERE m.day <= DATE '{as_of}'
),
stays AS (
    SELECT r.person, r.hh, r.paid, COALESCE(c.set_id, pv.set_id, n.set_id) AS set_id
    FROM r {select_row}
    WHERE r.visit = 1
),
stay_w AS (
    SELECT ru.rule_id, s.person, s.hh, s.set_id, count(*) AS n
    FROM stays s
    JOIN sets t ON t.set_id = s.set_id
    JOIN rules ru ON ru.set_id = s.set_id AND ru.cond = 'self_paid_per_stay_above_threshold'
    WHERE s.paid > t.stay_fen
    GROUP BY ru.rule_id, s.person, s.hh, s.set_id
),
at_asof AS (
    SELECT k.county, COALESCE(c.set_id, pv.set_id, n.set_id) AS set_id
    FROM (SELECT DISTINCT county FROM households) k {select_asof}
),
win AS (
    SELECT r.person, r.hh, r.paid, r.income_fen, r.members, a.set_id
    FROM r JOIN at_asof a ON a.county = r.county
    WHERE r.day >= DATE '{start}' AND r.paid > 0
),
year_w AS (
    SELECT ru.rule_id, w.person, w.hh, w.set_id, count(*) AS n
    FROM win w
    JOIN sets t ON t.set_id = w.set_id
    JOIN rules ru ON ru.set_id = w.set_id AND ru.cond = 'self_paid_12m_above_threshold'
    GROUP BY ru.rule_id, w.person, w.hh, w.set_id, t.year_fen
    HAVING sum(w.paid) > t.year_fen
),
near_w AS (
    SELECT ru.rule_id, -1 AS person, w.hh, w.set_id, count(*) AS n
    FROM win w
    JOIN sets t ON t.set_id = w.set_id
    JOIN rules ru ON ru.set_id = w.set_id AND ru.cond = 'income_below_line_times_factor_with_expense'
    WHERE w.income_fen * 1000 < t.line_fen * t.factor_milli * w.members
    GROUP BY ru.rule_id, w.hh, w.set_id
)
SELECT * FROM stay_w UNION ALL SELECT * FROM year_w UNION ALL SELECT * FROM near_w
"""


def load(db, csv_dir):
    con = duckdb.connect(db)
    for table, cols in TABLES.items():
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header = false, columns = {cols})",
            [f"{csv_dir}/{table}.csv"],
        )
    con.execute("CHECKPOINT")
    con.close()


def run(db, as_of, start, threads, out):
    t0 = time.perf_counter()
    con = duckdb.connect(db)
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    sql = SQL.format(
        as_of=as_of,
        start=start,
        select_row=SELECT_SET.format(county="r.county", day="r.day"),
        select_asof=SELECT_SET.format(county="k.county", day=f"DATE '{as_of}'"),
    )
    con.execute(sql)
    seconds = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    warnings = con.execute("SELECT count(*) FROM w").fetchone()[0]
    con.execute(f"COPY w TO '{out}' (HEADER false)")
    con.close()
    print(json.dumps({"seconds": seconds, "peak_kib": peak_kib, "warnings": warnings,
                      "duckdb": duckdb.__version__}))


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(sys.argv[2], sys.argv[3])
    else:
        run(*sys.argv[2:7])
