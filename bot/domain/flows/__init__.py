"""Conversation flows: content editors' YAML, checked and run by a generic engine."""
