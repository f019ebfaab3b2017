"""Fake third-party servers for tests and offline runs (never on the production path)."""
