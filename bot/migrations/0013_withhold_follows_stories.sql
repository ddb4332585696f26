-- Withholding follows stories only (issue 16: every free-text answer of a teller can be
-- withheld on its own). 0006 withheld a resident's "why it matters" and other free text
-- along with a withheld *story*; but its joins took any withheld answer as the trigger,
-- so withholding "why it matters" or one other answer (msc.other) also hid the teller's
-- msc.contact, cards.missing ... Now only a withheld story (msc.change_self,
-- msc.change_neighbourhood, msc.domain.*) takes the rest with it; any other withheld
-- answer hides itself only.
DROP VIEW answers_shown;
DROP VIEW msc_withheld_answers;

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
  AND (s.item_id IN ('msc.change_self', 'msc.change_neighbourhood') OR s.item_id LIKE 'msc.domain.%')
  AND NOT EXISTS (
      SELECT 1 FROM answers o
      LEFT JOIN msc_reviews ro ON ro.answer_id = o.id
      WHERE o.round_id = s.round_id AND o.respondent = s.respondent
        AND (o.item_id IN ('msc.change_self', 'msc.change_neighbourhood')
             OR o.item_id LIKE 'msc.domain.%')
        AND o.status = 'answered' AND o.text IS NOT NULL AND trim(o.text) <> ''
        AND COALESCE(ro.state, 'to_review') <> 'withheld'
  )
UNION
SELECT w.id AS answer_id
FROM msc_reviews r
JOIN answers s ON s.id = r.answer_id
JOIN answers w ON w.round_id = s.round_id AND w.respondent = s.respondent
WHERE r.state = 'withheld'
  AND (s.item_id IN ('msc.change_self', 'msc.change_neighbourhood') OR s.item_id LIKE 'msc.domain.%')
  AND w.text IS NOT NULL
  AND w.item_id NOT IN ('msc.change_self', 'msc.change_neighbourhood', 'msc.why')
  AND w.item_id NOT LIKE 'msc.domain.%';

CREATE VIEW answers_shown AS
SELECT a.id, a.round_id, a.respondent, a.item_id, a.status, a.value, a.choices,
       CASE WHEN a.text IS NOT NULL AND r.redacted_text IS NOT NULL
                 AND r.answer_revision = a.revision
            THEN r.redacted_text ELSE a.text END AS text,
       a.language, a.centre_code, a.mode, a.answered_at, a.revision
FROM answers a
LEFT JOIN msc_reviews r ON r.answer_id = a.id
WHERE a.id NOT IN (SELECT answer_id FROM msc_withheld_answers);
