# The two commands of the README: `make demo` and `make test`. Both work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint types imports unit install clean docs systemd-deps browser-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/binfolio demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

types: $(STAMP)
	$(BIN)/mypy

# The layer contracts of [tool.importlinter] in pyproject.toml (docs/architecture.md).
imports: $(STAMP)
	$(BIN)/lint-imports --no-cache --no-logo

# systemd-analyze for tests/deploy (Debian's systemd package), installed only when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
systemd-deps:
	@command -v systemd-analyze >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd; }

unit: $(STAMP)
	$(BIN)/pytest -n auto --dist loadfile -q

# Everything the suite needs that pip cannot install (Debian's chromium, systemd-analyze) comes
# first; tests that need them fail under CI=true when they are missing.
test: browser-deps systemd-deps lint types imports unit

docs: $(STAMP)
	$(BIN)/python -m binfolio.config_docs > docs/configuration.md

# Debian's chromium for the browser tests (tests/browser); Playwright never downloads a browser.
browser-deps:
	@test -x /usr/bin/chromium || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
