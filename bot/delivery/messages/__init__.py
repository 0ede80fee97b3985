"""The renderers of every outbox payload kind; importing this package registers them all."""

from bot.delivery.messages import broadcasts, buddies, clubs, followups, inbox  # noqa: F401
