# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
SIMULATOR_PORT ?= 8100
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-dev lint typecheck imports test-sqlite test-postgres \
        test-faults test-browser browser-deps i18n bench clean

$(VENV)/.installed-run: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

## Start the portal on the embedded SQLite database with demo data: http://127.0.0.1:8000
run: install
	$(VENV)/bin/talent-portal migrate
	$(VENV)/bin/talent-portal demo
	@echo "Outside-system simulator on http://127.0.0.1:$(SIMULATOR_PORT) (identity, social insurance, degrees, hukou)"
	$(PY) -m simulator --host 127.0.0.1 --port $(SIMULATOR_PORT) & sim=$$!; \
	trap 'kill $$sim 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/talent-portal serve --host 127.0.0.1 --port 8000

## The whole suite: lint, types, architecture, SQLite, PostgreSQL, real browser.
test: install-dev lint typecheck imports test-sqlite test-postgres test-faults test-browser

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install-dev
	$(VENV)/bin/mypy

imports: install-dev
	$(VENV)/bin/lint-imports

test-sqlite: install-dev
	TEST_DATABASE_URL=sqlite $(PY) -m pytest tests/unit tests/integration -q -p no:cacheprovider

test-postgres: install-dev
	@if $(PY) scripts/check_postgres.py "$(PG_URL)"; then \
	  TEST_DATABASE_URL="$(PG_URL)" $(PY) -m pytest tests/integration -q -p no:cacheprovider; \
	elif [ "$$CI" = "true" ]; then \
	  echo "FAIL: PostgreSQL at $(PG_URL) is unreachable and CI=true requires it."; exit 1; \
	else \
	  echo; echo "!!!!! PostgreSQL unreachable at $(PG_URL): PostgreSQL tests SKIPPED !!!!!"; echo; \
	fi

## Faults on PostgreSQL: SIGKILL mid-transaction, dropped connections, a full upload disk,
## races and schemathesis; real server processes on loopback. Figures: var/faults-summary.txt.
test-faults: install-dev
	@if $(PY) scripts/check_postgres.py "$(PG_URL)"; then \
	  TEST_DATABASE_URL="$(PG_URL)" $(PY) -m pytest tests/faults -q -p no:cacheprovider; \
	elif [ "$$CI" = "true" ]; then \
	  echo "FAIL: PostgreSQL at $(PG_URL) is unreachable and CI=true requires it."; exit 1; \
	else \
	  echo; echo "!!!!! PostgreSQL unreachable at $(PG_URL): fault tests SKIPPED !!!!!"; echo; \
	fi

test-browser: install-dev
	@if bash scripts/browser-deps.sh; then \
	  $(PY) -m pytest tests/browser -q -p no:cacheprovider; \
	elif [ "$$CI" = "true" ]; then \
	  echo "FAIL: browser tests are mandatory under CI=true (chromium missing)."; exit 1; \
	else \
	  echo; echo "!!!!! chromium not available: browser tests SKIPPED !!!!!"; echo; \
	fi

## Re-extract translatable strings into the catalogs (then translate the new zh entries).
i18n: install-dev
	$(PY) scripts/i18n.py

bench: install-dev
	$(PY) bench/rules.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
