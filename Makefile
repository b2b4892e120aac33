# Two commands set everything up on a fresh machine:
#   make demo   - create .venv, install, and run the offline demo
#   make test   - create .venv, install the dev extras, run ruff, mypy and pytest
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck pytest serve migrate clean postgres-server node-deps browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# make demo DEMO_ARGS=--keep: the sandbox and its console stay up after the story (Ctrl-C ends)
DEMO_ARGS ?=

demo: $(STAMP)
	$(BIN)/incident-bot demo $(DEMO_ARGS)

serve: $(STAMP)
	$(BIN)/incident-bot serve

migrate: $(STAMP)
	$(BIN)/incident-bot db upgrade

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The tests run every database test on SQLite and on a throwaway PostgreSQL server started from
# Debian's binaries; install them when the machine lacks them (CI machines start bare).
postgres-server:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ -z "$$TEST_POSTGRES_URL" ]; then \
		echo "installing Debian's postgresql package for the tests"; \
		if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null; \
	fi

# Slack's own Node SDKs (tests/node/package-lock.json) for tests/node, installed by npm ci into a
# cache outside the repository (~/.cache/incident-bot/node, or $$INCIDENT_BOT_NODE_CACHE); at once
# when that cache is current. Without node and npm it says so and tests/node is skipped.
node-deps:
	@tests/node/install.sh >/dev/null || [ $$? -eq 3 ]

# The sandbox console's tests (tests/browser/) drive Debian's headless Chromium through
# chromedriver; install both when missing. Where they cannot be installed (no root, no sudo, no
# apt) the tests skip and say why.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
		echo "installing Debian's chromium and chromium-driver packages for the browser tests"; \
		if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; fi; \
		{ $$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			chromium chromium-driver >/dev/null; } || \
		echo "chromium could not be installed: the browser tests will skip"; \
	fi

pytest: $(STAMP) postgres-server node-deps browser
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
