"""meettray: a fresh Microsoft Teams meeting link on your clipboard in one click."""

__version__ = "0.1.0"
APP_NAME = "meettray"
