-- Most Significant Change (issue 6): review, coding and selection of residents' stories.
--
-- A story is a non-empty text answer to msc.change_self, msc.change_neighbourhood or
-- msc.domain.<id> (see bot/msc.py). Everything here hangs off answers(id) with
-- ON DELETE CASCADE, so a resident's /forget (storage.forget deletes their answers; the
-- connection runs with PRAGMA foreign_keys = ON) also removes the review, the effect
-- codes and any selection of their stories. Selection reasons are the panel's words.
-- Hierarchical selection with documented reasons: Davies & Dart (2005), "The 'Most
-- Significant Change' (MSC) Technique: A Guide to Its Use", ch. 2 steps 5-7.
-- SQL kept portable (PostgreSQL later): no SQLite-only syntax.

-- One row per reviewed story answer (no row = 'to_review').
-- answer_revision: the answers.revision the review was made on. If the resident changed
-- the answer afterwards (round still open), an approval and a redaction no longer apply
-- (bot/msc.py treats the story as 'to_review' and shows the new text); a withholding
-- always applies.
CREATE TABLE msc_reviews (
    answer_id        INTEGER PRIMARY KEY REFERENCES answers(id) ON DELETE CASCADE,
    state            TEXT NOT NULL DEFAULT 'to_review'
                     CHECK (state IN ('to_review', 'approved', 'withheld')),
    redacted_text    TEXT,
    shortlisted      INTEGER NOT NULL DEFAULT 0,
    answer_revision  INTEGER NOT NULL DEFAULT 1,
    reviewed_by      INTEGER,
    reviewed_at      TEXT
);
CREATE INDEX msc_reviews_state ON msc_reviews(state);

-- Effect codes: which of the 14 effect categories of appendix 3 (Movisie 2025) a story
-- mentions (effect_id = an id of catalogue().effects, e.g. 'cohesion.contacts').
CREATE TABLE msc_codes (
    answer_id  INTEGER NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
    effect_id  TEXT NOT NULL,
    coded_by   INTEGER,
    coded_at   TEXT NOT NULL,
    PRIMARY KEY (answer_id, effect_id)
);

-- Selections: per round, level ('centre': by a centre's coordinator among that centre's
-- stories; 'all': by an admin among the centre-level selections), domain ('self',
-- 'neighbourhood' or a life-domain id). One selection per slot; the reason is required.
CREATE TABLE msc_selections (
    id           INTEGER PRIMARY KEY,
    round_id     INTEGER NOT NULL REFERENCES rounds(id),
    level        TEXT NOT NULL CHECK (level IN ('centre', 'all')),
    centre_code  TEXT REFERENCES centres(code),
    domain       TEXT NOT NULL,
    answer_id    INTEGER NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
    reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    selected_by  INTEGER NOT NULL,
    selected_at  TEXT NOT NULL,
    CHECK ((level = 'centre' AND centre_code IS NOT NULL)
           OR (level = 'all' AND centre_code IS NULL))
);
CREATE UNIQUE INDEX msc_selections_slot
    ON msc_selections(round_id, level, COALESCE(centre_code, ''), domain);
CREATE INDEX msc_selections_answer ON msc_selections(answer_id);

-- When the selection of a round was made final (feedback sent to storytellers).
ALTER TABLE rounds ADD COLUMN selection_final_at TEXT;

-- Answers that must never leave the database: withheld stories, and the "why it
-- matters" answer (msc.why) of a respondent whose every story in that round is withheld.
-- Exports filter with:  answers.id NOT IN (SELECT answer_id FROM msc_withheld_answers)
CREATE VIEW msc_withheld_answers AS
SELECT r.answer_id AS answer_id
FROM msc_reviews r
WHERE r.state = 'withheld'
UNION
SELECT w.id AS answer_id
FROM msc_reviews r
JOIN answers s ON s.id = r.answer_id
JOIN answers w ON w.round_id = s.round_id AND w.respondent = s.respondent
                AND w.item_id = 'msc.why'
WHERE r.state = 'withheld'
  AND NOT EXISTS (
      SELECT 1 FROM answers o
      LEFT JOIN msc_reviews ro ON ro.answer_id = o.id
      WHERE o.round_id = s.round_id AND o.respondent = s.respondent
        AND (o.item_id IN ('msc.change_self', 'msc.change_neighbourhood')
             OR o.item_id LIKE 'msc.domain.%')
        AND o.status = 'answered' AND o.text IS NOT NULL AND trim(o.text) <> ''
        AND COALESCE(ro.state, 'to_review') <> 'withheld'
  );

-- The answers as they may be shown and exported: withheld ones left out, a coordinator's
-- redaction in place of the text (only while it belongs to the current revision and the
-- text was not purged). Same columns as answers: exports can read FROM answers_shown.
CREATE VIEW answers_shown AS
SELECT a.id, a.round_id, a.respondent, a.item_id, a.status, a.value, a.choices,
       CASE WHEN a.text IS NOT NULL AND r.redacted_text IS NOT NULL
                 AND r.answer_revision = a.revision
            THEN r.redacted_text ELSE a.text END AS text,
       a.language, a.centre_code, a.mode, a.answered_at, a.revision
FROM answers a
LEFT JOIN msc_reviews r ON r.answer_id = a.id
WHERE a.id NOT IN (SELECT answer_id FROM msc_withheld_answers);
