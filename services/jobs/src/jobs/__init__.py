"""The jobs service (see ../../README.md for what it owns)."""
