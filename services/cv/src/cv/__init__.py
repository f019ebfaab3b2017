"""The cv service (see ../../README.md for what it owns)."""
