"""The blog service (see ../../README.md for what it owns)."""
