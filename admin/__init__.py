"""Coordinator and admin commands: rounds, exports, scheduling."""
