-- dixian schema v9 (PostgreSQL): a measure granted by the 民政 feed (新增)
-- rests on its feed row, the evidence. Append-only: never edit after it
-- lands.
ALTER TABLE measures ADD COLUMN feed_row_id BIGINT REFERENCES feed_rows(id);
CREATE INDEX measures_feed_row ON measures(feed_row_id);
