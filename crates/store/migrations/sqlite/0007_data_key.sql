-- dixian schema v7: personal data encrypted at rest, looked up by keyed
-- hash (docs/security.md, "Encryption at rest"). Append-only: never edit
-- after it lands.

-- HMAC-SHA256 of the ID number (id_hash) and of its last 4, 5 and 6
-- characters (id_tail4/5/6), with a key derived from the data key kept
-- outside the database (a public key when none is configured). Equality,
-- uniqueness, joins and the suffix search use these columns, never the
-- stored ID number, which is ciphertext when a data key is configured.
-- Rows written before this migration are filled by the program right
-- after it (Store::migrate).
ALTER TABLE members ADD COLUMN id_hash TEXT;
ALTER TABLE members ADD COLUMN id_tail4 TEXT;
ALTER TABLE members ADD COLUMN id_tail5 TEXT;
ALTER TABLE members ADD COLUMN id_tail6 TEXT;
CREATE UNIQUE INDEX members_id_hash ON members(id_hash);
CREATE INDEX members_id_tail4 ON members(id_tail4);
CREATE INDEX members_id_tail5 ON members(id_tail5);
CREATE INDEX members_id_tail6 ON members(id_tail6);

-- The id of the data key the database is encrypted with; NULL: not
-- encrypted (ID numbers and phones in clear). A store opened with another
-- key, or with none while this is set, is refused.
CREATE TABLE data_key (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    key_id TEXT
);
INSERT INTO data_key (id, key_id) VALUES (1, NULL);
