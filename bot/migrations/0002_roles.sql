-- Roles (issue 7): admins added in the chat (besides ADMIN_IDS), coordinators per
-- centre, and one-time invite codes for coordinators (stored hashed, expire after 48 h).
CREATE TABLE admins (
    user_id     INTEGER PRIMARY KEY,
    added_at    TEXT NOT NULL
);

CREATE TABLE coordinators (
    user_id      INTEGER NOT NULL,
    centre_code  TEXT NOT NULL REFERENCES centres(code),
    language     TEXT NOT NULL DEFAULT 'nl',
    added_at     TEXT NOT NULL,
    PRIMARY KEY (user_id, centre_code)
);

CREATE TABLE invite_codes (
    code_hash    TEXT PRIMARY KEY,
    centre_code  TEXT NOT NULL REFERENCES centres(code),
    expires_at   TEXT NOT NULL,
    used_at      TEXT
);

-- Reminder plan and who created a round.
ALTER TABLE rounds ADD COLUMN remind_days_before INTEGER;
ALTER TABLE rounds ADD COLUMN reminded_at TEXT;
ALTER TABLE rounds ADD COLUMN created_by INTEGER;
