"""Buddies: matching approved volunteers to newcomer families who ask for one (pure domain)."""
