-- Row files that nest (docs/privacy.md, "The analyst's row file: k-anonymity"). The
-- analyst's row files are k-anonymous one by one; chosen anew for every export, two files
-- of one round (before and after one more resident) could generalise incomparably
-- (centre kept in one, language in the other), and linked by their answers they rebuilt
-- classes under k. Now a round's levels are fixed by its first row file that shows
-- anyone and only ever become coarser (row_levels: no person in it), and every
-- respondent-round keeps the values a row file showed for it, or coarser ones
-- (row_values: keyed by the pseudonym like the answers, deleted with them by /forget
-- and an assisted interview's deletion code; no answer, no free text).
CREATE TABLE row_levels (
    round_id    INTEGER PRIMARY KEY REFERENCES rounds(id) ON DELETE CASCADE,
    date        INTEGER NOT NULL CHECK (date BETWEEN 0 AND 2),      -- day, month, round only
    centre      INTEGER NOT NULL CHECK (centre BETWEEN 0 AND 2),    -- centre, district, all
    language    INTEGER NOT NULL CHECK (language BETWEEN 0 AND 2),  -- language, small as other, all
    mode        INTEGER NOT NULL CHECK (mode BETWEEN 0 AND 1),      -- self/assisted, not shown
    fixed_at    TEXT NOT NULL,
    changed_at  TEXT NOT NULL
);

CREATE TABLE row_values (
    round_id     INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    respondent   TEXT NOT NULL,
    centre       TEXT NOT NULL,
    language     TEXT NOT NULL,
    mode         TEXT NOT NULL,
    answered_on  TEXT NOT NULL,
    PRIMARY KEY (round_id, respondent)
);
CREATE INDEX row_values_respondent ON row_values(respondent);
