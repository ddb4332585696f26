-- Centres in districts (issue 13): a centre lies in a neighbourhood (buurt/wijk) and a
-- district (stadsdeel), both from the survey pack or set by an admin; NULL when unknown.
-- Exports and progress can be broken down by district (the disclosure policy applies).
ALTER TABLE centres ADD COLUMN neighbourhood TEXT;
ALTER TABLE centres ADD COLUMN district TEXT;
