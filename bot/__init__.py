"""Buurtstem: residents' stories and picture questions in Telegram, stored anonymised."""

__version__ = "0.1.0"
