"""Allow `python -m bot ...` as a synonym of the `silta` command."""

from bot.cli import app

if __name__ == "__main__":
    app()
