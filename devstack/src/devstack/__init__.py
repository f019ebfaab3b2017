"""The local stack: servers from pip packages, the `make run` launcher, test fixtures, dev tools."""
