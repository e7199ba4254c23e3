-- dixian schema v10 (SQLite): attachments of a case (案件附件) — the photo
-- of the signed 承诺授权书, deliberation minutes: JPEG, PNG or PDF, kept in
-- the database, never public. Append-only: never edit after it lands.
--
-- The file's name and its bytes are personal data (a name, a signature):
-- both are sealed with the data key (`content` holds the sealed bytes as
-- text). `kind` is the code of `domain::attachment::AttachmentKind`, found
-- from the bytes, never from the name.
CREATE TABLE case_attachments (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    village_code TEXT NOT NULL,
    kind         TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    content      TEXT NOT NULL,
    uploaded_by  INTEGER REFERENCES users(id),
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments(case_id, id);
