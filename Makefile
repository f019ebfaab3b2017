# Career Tools — entry points. `make run` runs the whole platform, `make test` runs every test.
# Both install what they need first (uv, then the locked workspace into .venv).

SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
PY := $(CURDIR)/.venv/bin/python

.PHONY: install run test test-fast lint format proto proto-check helm-check migrate bench ci

$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv==$(UV_VERSION)

# Reproducible install from uv.lock (fails if the lock is out of date with pyproject.toml).
install: $(UV)
	$(UV) sync --frozen --all-packages

## Run the gateway and all eight services, with PostgreSQL/NATS/Redis started here unless
## POSTGRES_URL / NATS_URL / REDIS_URL are set. Ctrl-C stops everything.
run: install
	$(PY) -m devstack.run

## The whole suite: unit, integration (real PostgreSQL/NATS/Redis) and end-to-end tests, on
## TEST_WORKERS processes (a test file per worker at a time; each worker starts its own servers).
TEST_WORKERS ?= 2
test: install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

## Everything but the end-to-end suite.
test-fast: install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --ignore=tests/e2e

lint: install
	$(PY) -m ruff check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## Regenerate protogen/ from proto/ (and record new fields in proto/fields.lock.json).
proto: install
	$(PY) -m devstack.proto generate

## Fail when proto/ breaks a rule or protogen/ is stale.
proto-check: install
	$(PY) -m devstack.proto lint
	$(PY) -m devstack.proto check

## Lint and render the Helm chart with every value set, and validate it against Kubernetes schemas.
helm-check: install
	$(PY) -m devstack.helm_check

## Apply every service's migrations to the databases named by <SERVICE>_DATABASE_URL, one
## service after the other in the service registry's order (kit/src/career_kit/registry.py).
migrate: install
	$(PY) -m devstack.migrate

## Benchmarks (each prints one JSON object).
bench: install
	$(PY) -m bench.gateway_overhead
	$(PY) -m bench.auth_paths
	$(PY) -m bench.webhooks

ci:
	bash .ci/run
