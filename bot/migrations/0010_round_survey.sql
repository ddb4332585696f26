-- What a round asked (issue 13 point 6): the survey as it was when the round opened, so
-- exports, codebook and charts of an old round stay right after the survey pack changes.
-- snapshot: JSON of bot.survey.pinning.survey_snapshot (the survey, its items, the scale,
-- the main goals and sub-goals it links to). A round without a row (made before this
-- migration) reads the pack in use.
CREATE TABLE round_surveys (
    round_id      INTEGER PRIMARY KEY REFERENCES rounds(id) ON DELETE CASCADE,
    pack_version  TEXT NOT NULL,
    snapshot      TEXT NOT NULL
);
