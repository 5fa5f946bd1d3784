# The two commands README promises: `make run` and `make test`. Everything else is what they need.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PO     := $(wildcard locales/*/LC_MESSAGES/*.po)
MO     := $(PO:.po=.mo)
TEST_DATABASE_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

.PHONY: install catalogs chromium run test test-sqlite test-postgres lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed catalogs

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

catalogs: $(MO)

run: install
	$(BIN)/python -m bot run

# The browser test drives Debian's Chromium (never a browser Playwright downloads): installed here when missing. An
# install that fails stops `make test` (the test would fail, never skip, without it).
CHROMIUM ?= /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

chromium:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }
	@$(CHROMIUM) --version 2>/dev/null

# The whole suite, once on SQLite and once on the PostgreSQL server. `--db` picks the database; pytest's own
# exit code passes through, so "no tests collected" (5) fails the run rather than passing silently.
test: install chromium
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest --db sqlite
	$(BIN)/python -m pytest --db postgres --db-url '$(TEST_DATABASE_URL)'

test-sqlite: install chromium
	$(BIN)/python -m pytest --db sqlite

test-postgres: install chromium
	$(BIN)/python -m pytest --db postgres --db-url '$(TEST_DATABASE_URL)'

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) data locales/*/LC_MESSAGES/*.mo
