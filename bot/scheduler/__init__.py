"""APScheduler set-up and the periodic jobs that fill and drain the outbox."""
