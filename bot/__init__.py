"""Buurtstem: residents' stories and picture questions in Telegram, stored anonymised."""

import os

# python-telegram-bot 22 returns durations (RetryAfter.retry_after, …) as timedelta when
# this is set, and warns about the old int/float behaviour otherwise.
os.environ.setdefault("PTB_TIMEDELTA", "true")

__version__ = "0.1.0"
