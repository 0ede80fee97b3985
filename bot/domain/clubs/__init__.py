"""Clubs: schedules of meetings and the reminders before them."""
