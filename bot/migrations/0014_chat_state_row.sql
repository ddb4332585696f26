-- One row per chat (issue 12): the chat's typed state (bot.survey.state.ChatState, as
-- JSON) replaces the key/value rows of 0005, so a chat's state is read in one lookup and
-- written in the same transaction as the answer it belongs to. The old rows of a chat
-- are grouped into one object by key; ChatState reads that form too.
CREATE TABLE chat_state_row (
    chat_id     INTEGER PRIMARY KEY,
    state       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
INSERT INTO chat_state_row (chat_id, state, updated_at)
SELECT chat_id, json_group_object(key, json(value)), max(updated_at)
FROM chat_state GROUP BY chat_id;
DROP TABLE chat_state;
ALTER TABLE chat_state_row RENAME TO chat_state;
