"""The auth service (see ../../README.md for what it owns)."""
