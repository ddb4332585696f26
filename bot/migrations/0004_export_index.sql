-- Exports read answers in (round, respondent, answer) order; this index spares the sort.
CREATE INDEX answers_export ON answers(round_id, respondent, id);
