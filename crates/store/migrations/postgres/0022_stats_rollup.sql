-- dixian schema v22: what a province gives the national roll-up
-- (docs/scale.md): its figures' counters summed per county, with no
-- village, household or person in them. The national database reads this
-- view through postgres_fdw as one partition per province
-- (`dixian national attach`).
CREATE VIEW stats_rollup AS
SELECT substr(village_code, 1, 2) AS province,
       substr(village_code, 1, 6) AS county,
       month, figure, dim,
       CAST(SUM(value) AS BIGINT) AS value
  FROM stats_village_month
 WHERE village_code <> ''
 GROUP BY substr(village_code, 1, 2), substr(village_code, 1, 6), month, figure, dim;
