"""Logging set-up that never writes the bot token or a resident's message text.

httpx logs every request URL at INFO, and Bot API URLs contain the token, so it is
turned down to WARNING (as in python-telegram-bot's examples). python-telegram-bot logs
a whole ``getUpdates`` batch at CRITICAL when one update cannot be parsed; that record
holds message texts and chat ids, so its arguments are dropped here.
"""

from __future__ import annotations

import logging


class RedactingFilter(logging.Filter):
    """Removes secrets and raw payloads from log records.

    Args:
        secrets: Strings that must never appear in a log line (the bot token).
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; always keeps it (returns True)."""
        if record.name.startswith("telegram") and "Received data" in str(record.msg):
            record.msg = "Error while parsing updates (payload withheld)"
            record.args = ()
            record.exc_info = None
        if self._secrets and record.exc_info and record.exc_info[0] is not None:
            # a traceback's text (exception messages, reprs in it) is redacted as well
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            for secret in self._secrets:
                text = text.replace(secret, "[token]")
            record.exc_text = text
        if self._secrets:
            message = record.getMessage()
            if any(secret in message for secret in self._secrets):
                for secret in self._secrets:
                    message = message.replace(secret, "[token]")
                record.msg, record.args = message, ()
        return True


def configure_logging(*, secrets: list[str] | None = None, level: int = logging.INFO) -> None:
    """Set up console logging with :class:`RedactingFilter` on every root handler."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Their DEBUG records hold whole updates (message text) and SQL parameters.
    for name in ("telegram", "aiosqlite"):
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    redact = RedactingFilter(secrets or [])
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
