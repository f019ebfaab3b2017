"""The billing service (see ../../README.md for what it owns)."""
