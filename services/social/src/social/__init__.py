"""The social service (see ../../README.md for what it owns)."""
