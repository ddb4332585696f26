-- Short-lived state of a staff chat that must survive a restart: an assisted interview
-- in progress, a story selection waiting for its reason. Never holds a resident's answer.
CREATE TABLE chat_state (
    chat_id     INTEGER NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, key)
);
