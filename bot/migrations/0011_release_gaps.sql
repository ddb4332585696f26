-- Differencing guard across an erasure (issue 11 point 4, docs/privacy.md): aggregates
-- release respondents in batches of k per round and centre, in finishing order. When a
-- released respondent is erased (/forget, an assisted interview's deletion code), the
-- batches behind them would shift by one and swap the next respondent in: the figures
-- before and after would then show the erased person's answers against that one person's.
-- A gap keeps the erased person's place (round, centre, order key, first answer id;
-- no pseudonym, no answer), and a batch with a gap is no longer shown at all, so the figures change by a
-- whole batch of k.
CREATE TABLE release_gaps (
    round_id     INTEGER NOT NULL,
    centre_code  TEXT NOT NULL,
    order_key    TEXT NOT NULL,
    first_answer INTEGER NOT NULL  -- ties on order_key are broken by the first answer's id
);
CREATE INDEX release_gaps_scope ON release_gaps(round_id, centre_code);
