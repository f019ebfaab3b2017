# syntax=docker/dockerfile:1
# One image for the gateway and every service; the Helm chart picks the process with
# `command` (python -m <name>.main serve|migrate, python -m gateway.main).

# --- builder: resolve the locked dependencies into /app/.venv --------------------------------
FROM python:3.11-slim AS builder

RUN pip install --no-cache-dir uv==0.13.8

# Use the image's Python (the runtime stage has the same one at the same path), copy files
# into the venv instead of hard-linking from uv's cache, and compile bytecode now: the
# runtime root filesystem is read-only.
ENV UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1

WORKDIR /app

# The whole workspace: uv needs every member's pyproject.toml to read uv.lock, even members
# that are not installed (devstack).
COPY pyproject.toml uv.lock ./
COPY kit/ kit/
COPY protogen/ protogen/
COPY devstack/ devstack/
COPY gateway/ gateway/
COPY services/ services/

# Only what runs in production: the gateway and the eight services (which pull in kit and
# protogen), installed as regular packages. Not devstack (embedded PostgreSQL, NATS and
# Redis for local runs) and no dev dependencies. --frozen: exactly uv.lock, never re-resolved.
RUN uv sync --frozen --no-dev --no-editable \
        --package career-gateway \
        --package career-auth \
        --package career-cv \
        --package career-jobs \
        --package career-social \
        --package career-billing \
        --package career-notify \
        --package career-blog \
        --package career-files

# `<name>.main migrate` looks for its scripts in services/<name>/migrations under the working
# directory, so keep exactly that layout (and nothing else from the sources).
RUN mkdir -p /migrations/services \
    && for dir in services/*/migrations; do \
         [ -d "$dir" ] || continue; \
         mkdir -p "/migrations/$dir" && cp -a "$dir/." "/migrations/$dir/"; \
       done

# --- runtime ---------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

# UID/GID 10001: the chart's securityContext runs every pod as this user.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
        --shell /usr/sbin/nologin app

ENV PATH="/app/.venv/bin:${PATH}" \
    VIRTUAL_ENV=/app/.venv \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp

WORKDIR /app

COPY --from=builder /app/.venv /app/.venv
COPY --from=builder /migrations/services /app/services

USER 10001:10001

EXPOSE 8000 9000 8080 50051

# The gateway by default; the chart sets `command` for every other process.
CMD ["python", "-m", "gateway.main"]
