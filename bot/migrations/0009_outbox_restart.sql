-- What the outbox sender must remember across a restart (issue 18.3).
-- called_at: UTC time (microseconds) of the row's latest Bot API call; the next sender
-- counts the calls of the last second against its rate.
ALTER TABLE outbox ADD COLUMN called_at TEXT;
CREATE INDEX outbox_called_at ON outbox(called_at);

-- Sender-wide state, e.g. 'flood_wait_until': all sending waits until then (a 429's
-- retry_after), also after a restart.
CREATE TABLE outbox_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- The staff messages that show a broadcast's progress ("340 van 512 verstuurd"); the
-- sender keeps them up to date, also after a restart, until nothing is pending.
CREATE TABLE broadcast_messages (
    round_id    INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    language    TEXT NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, kind, chat_id)
);
