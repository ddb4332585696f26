-- The inbox (issue 14): every update fetched from Telegram (getUpdates batch or webhook
-- call) is stored here before Telegram hears that it arrived (the next getUpdates offset,
-- the webhook's 200), and is deleted in the transaction that marks it handled
-- (processed_updates). A row still here at start-up was fetched but never handled (the
-- process died): it is handled first, in update_id order. The payload is the update as
-- Telegram sent it (personal data: it lives only until the update is handled, see
-- docs/privacy.md); chat_id lets /forget remove a resident's unhandled updates.
CREATE TABLE inbox (
    update_id    INTEGER PRIMARY KEY,
    chat_id      INTEGER,
    payload      TEXT NOT NULL,
    received_at  TEXT NOT NULL
);
CREATE INDEX inbox_chat ON inbox(chat_id);
