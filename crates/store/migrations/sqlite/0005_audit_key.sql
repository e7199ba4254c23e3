-- dixian schema v5: the keyed audit chain. Append-only: never edit after it lands.
-- Same text on both backends.

-- The key a row's hash was made with: NULL for plain SHA-256 (every row
-- written before this migration, and rows of a store run without a key),
-- otherwise the id of the HMAC-SHA256 key, which is kept outside the
-- database (docs/security.md, "Audit chain").
ALTER TABLE audit_log ADD COLUMN key_id TEXT;

-- The head's key, and an HMAC over (seq, last_hash) so that the head
-- cannot be wound back over deleted rows without the key.
ALTER TABLE audit_chain ADD COLUMN key_id TEXT;
ALTER TABLE audit_chain ADD COLUMN head_mac TEXT;
