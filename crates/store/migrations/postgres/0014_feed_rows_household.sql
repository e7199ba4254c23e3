-- dixian schema v14: the department rows of one household, for the data
-- comparison (信息比对) of its case: rows are read by the household they
-- were matched to and by its village (`store::comparison`), both by
-- index. Append-only: never edit after it lands.
CREATE INDEX feed_rows_household ON feed_rows(household_id, event_date);
