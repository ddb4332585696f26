"""Resident flows: onboarding and consent, answering a round, language, withdraw/forget."""
