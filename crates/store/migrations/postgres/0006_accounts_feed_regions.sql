-- Account lifecycle and per-county feed identity. Append-only: never edit
-- after it lands.

-- When the user last logged in (NULL: not since this column exists).
ALTER TABLE users ADD COLUMN last_login_at TIMESTAMPTZ;

-- A feed batch and its rows belong to the region that loaded them: the
-- same bytes (or Idempotency-Key) are "already loaded" only within that
-- region, and an evidence row is kept once per region, so a second
-- county loading a province-wide file gets its own batch and its own
-- people matched.
ALTER TABLE feed_batches DROP CONSTRAINT feed_batches_sha256_key;
ALTER TABLE feed_batches DROP CONSTRAINT feed_batches_idempotency_key_key;
CREATE UNIQUE INDEX feed_batches_region_sha256 ON feed_batches(region_code, sha256);
CREATE UNIQUE INDEX feed_batches_region_key ON feed_batches(region_code, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

ALTER TABLE feed_rows ADD COLUMN region_code TEXT;   -- the batch's region
UPDATE feed_rows r SET region_code = b.region_code FROM feed_batches b WHERE b.id = r.batch_id;
ALTER TABLE feed_rows ALTER COLUMN region_code SET NOT NULL;
ALTER TABLE feed_rows DROP CONSTRAINT feed_rows_row_key_key;
CREATE UNIQUE INDEX feed_rows_region_key ON feed_rows(region_code, row_key);

-- A village-level row naming a village outside its batch's region matched
-- nothing: it is that region's coverage gap, not evidence another region's
-- screening reads (unmatched person rows never had a village).
UPDATE feed_rows SET village_code = NULL
    WHERE household_id IS NULL AND village_code IS NOT NULL
      AND SUBSTR(village_code, 1, LENGTH(region_code)) <> region_code;
