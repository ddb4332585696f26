-- Buurtstem schema, version 1.
-- Two worlds (DESIGN.md, "Privacy model"): contacts hold what is needed to send
-- invitations (chat id, language, centre); answers are keyed by a respondent pseudonym
-- HMAC-SHA256(PSEUDONYM_SECRET, chat_id) and never hold a chat id.
-- Times are ISO 8601 UTC strings; SQL kept portable (PostgreSQL later).

CREATE TABLE centres (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);

CREATE TABLE contacts (
    chat_id          INTEGER PRIMARY KEY,
    language         TEXT NOT NULL,
    centre_code      TEXT REFERENCES centres(code),
    opted_in         INTEGER NOT NULL DEFAULT 1,
    reachable        INTEGER NOT NULL DEFAULT 1,
    consent_version  TEXT NOT NULL,
    consented_on     TEXT NOT NULL,
    feedback_opt_in  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE rounds (
    id             INTEGER PRIMARY KEY,
    survey         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('scheduled', 'open', 'closed', 'cancelled')),
    opens_at       TEXT,
    closes_at      TEXT,
    opened_at      TEXT,
    closed_at      TEXT,
    created_at     TEXT NOT NULL,
    text_purged_at TEXT
);

CREATE TABLE round_centres (
    round_id     INTEGER NOT NULL REFERENCES rounds(id),
    centre_code  TEXT NOT NULL REFERENCES centres(code),
    PRIMARY KEY (round_id, centre_code)
);

CREATE TABLE participations (
    round_id     INTEGER NOT NULL REFERENCES rounds(id),
    respondent   TEXT NOT NULL,
    centre_code  TEXT NOT NULL,
    language     TEXT NOT NULL,
    mode         TEXT NOT NULL DEFAULT 'self',
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    PRIMARY KEY (round_id, respondent)
);

CREATE TABLE answers (
    id           INTEGER PRIMARY KEY,
    round_id     INTEGER NOT NULL REFERENCES rounds(id),
    respondent   TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('answered', 'skipped', 'dont_know')),
    value        INTEGER,
    choices      TEXT,
    text         TEXT,
    language     TEXT NOT NULL,
    centre_code  TEXT NOT NULL,
    mode         TEXT NOT NULL DEFAULT 'self',
    answered_at  TEXT NOT NULL,
    revision     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (round_id, respondent, item_id)
);
CREATE INDEX answers_round ON answers(round_id, item_id);

CREATE TABLE processed_updates (
    update_id     INTEGER PRIMARY KEY,
    processed_at  TEXT NOT NULL
);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    round_id    INTEGER NOT NULL REFERENCES rounds(id),
    chat_id     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'skipped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error  TEXT,
    payload     TEXT,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    UNIQUE (round_id, chat_id, kind)
);
CREATE INDEX outbox_pending ON outbox(status, id);

CREATE TABLE media_cache (
    picture  TEXT PRIMARY KEY,
    file_id  TEXT NOT NULL
);
