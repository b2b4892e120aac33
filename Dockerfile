# syntax=docker/dockerfile:1
# incident-bot: `docker build -t incident-bot .` then `docker run -p 8080:8080 --env-file .env incident-bot`.
#
# Two stages: the first installs the dependencies into a virtualenv (with a compiler, for any
# dependency that has no wheel); the second is python:slim with that virtualenv and the source,
# no compiler, no pip cache, running as an unprivileged user. The source keeps the repository's
# layout under /app because the shipped runbooks/ and scenarios/ are found next to the packages.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
 && apt-get install --yes --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# Dependencies first, so a change to the code alone reuses this layer.
COPY pyproject.toml README.md ./
RUN mkdir bot handlers integrations migrations \
 && pip install . \
 && pip uninstall --yes incident-bot
COPY alembic.ini ./
COPY bot ./bot
COPY handlers ./handlers
COPY integrations ./integrations
COPY migrations ./migrations
COPY runbooks ./runbooks
COPY scenarios ./scenarios
COPY slack-manifest.yaml ./
# The project itself, editable: the console script imports from /app, where runbooks/ live.
RUN pip install --no-deps --editable . \
 && python -m compileall -q bot handlers integrations migrations

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    PORT=8080 \
    HOST=0.0.0.0
RUN groupadd --system --gid 10001 incident-bot \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin incident-bot
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# The only place the user may write: the default SQLite database (./var/) when DATABASE_URL is
# unset, e.g. `docker run` in sandbox mode. On Kubernetes the root filesystem is read-only and
# DATABASE_URL names PostgreSQL.
RUN install --directory --owner=10001 --group=10001 /app/var
WORKDIR /app
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=4)"]
CMD ["incident-bot", "serve"]
