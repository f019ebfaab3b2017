"""The notify service (see ../../README.md for what it owns)."""
