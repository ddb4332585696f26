-- Consent to quote a story (issue 11, MSC practice: Davies & Dart 2005 ask the teller
-- whether their story may be used). Asked at the story step, once per round: NULL = not
-- asked or not answered (treated as "no"), 1 = may be quoted without name in reports,
-- 0 = not quoted (the story still counts in codes and tallies).
ALTER TABLE participations ADD COLUMN quote_ok INTEGER;
