"""Silta: a multilingual Telegram bot for newly arrived migrant families."""

__version__ = "0.1.0"
