"""Privacy helpers: scrubbing personal data from free text (GDPR art. 5(1)(c) data minimisation)."""
