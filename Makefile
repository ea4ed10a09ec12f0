# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
SIMULATOR_PORT ?= 8100
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run stop reset-demo test install install-dev lint typecheck imports test-sqlite test-postgres \
        test-faults test-browser test-crawl browser-deps document-font i18n bench bench-http bench-queue \
        bench-overload bench-memory bench-ab clean

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
## E-mails and SMS are written to var/outbox/ (one JSON file each). Stop: Ctrl-C, or `make stop`.
run: install
	@bash scripts/document-font.sh || echo "!!!!! written decisions cannot be rendered until the font is installed !!!!!"
	$(VENV)/bin/talent-portal migrate
	$(VENV)/bin/talent-portal demo
	@echo "Outside-system simulator on http://127.0.0.1:$(SIMULATOR_PORT) (identity, social insurance, degrees, hukou)"
	@echo "E-mails and SMS land in var/outbox/. Stop with Ctrl-C (or make stop from another terminal)."
	mkdir -p var
	$(PY) -m simulator --host 127.0.0.1 --port $(SIMULATOR_PORT) & sim=$$!; \
	trap 'kill $$sim $$portal 2>/dev/null; rm -f var/run.pids' EXIT INT TERM; \
	TALENT_NOTIFY_SMS_ENABLED=$${TALENT_NOTIFY_SMS_ENABLED:-true} \
	  $(VENV)/bin/talent-portal serve --host 127.0.0.1 --port 8000 & portal=$$!; \
	echo "$$portal $$sim" > var/run.pids; \
	wait $$portal || [ $$? -eq 143 ]

## Stop a portal started with `make run` (in the background or in another terminal).
stop:
	@if [ -f var/run.pids ]; then kill $$(cat var/run.pids) 2>/dev/null || true; rm -f var/run.pids; \
	  echo "portal and simulator stopped"; else echo "no portal started by make run is running"; fi

## Delete the embedded SQLite database, uploads and outbox; migrate and load the demo data again.
reset-demo: install
	@if [ -f var/run.pids ]; then echo "the portal is running: make stop first"; exit 1; fi
	$(PY) scripts/reset_demo.py
	$(VENV)/bin/talent-portal migrate
	$(VENV)/bin/talent-portal demo

## The whole suite: lint, types, architecture, SQLite, PostgreSQL, real browser.
test: install-dev lint typecheck imports test-sqlite test-postgres test-faults test-browser

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install-dev
	$(VENV)/bin/mypy

imports: install-dev
	$(VENV)/bin/lint-imports

## The CJK font written decisions are set in (issue 17): the PDF tests render with it.
document-font:
	@bash scripts/document-font.sh || { echo "FAIL: the document font is missing (see above)."; exit 1; }

test-sqlite: install-dev document-font
	TEST_DATABASE_URL=sqlite $(PY) -m pytest tests/unit tests/integration -q -p no:cacheprovider
	@cat var/backup-drill.txt  # the restore drill's sizes and times (issue 22)

test-postgres: install-dev document-font
	@if $(PY) scripts/check_postgres.py "$(PG_URL)"; then \
	  TEST_DATABASE_URL="$(PG_URL)" $(PY) -m pytest tests/integration -q -p no:cacheprovider \
	  && cat var/backup-drill.txt; \
	elif [ "$$CI" = "true" ]; then \
	  echo "FAIL: PostgreSQL at $(PG_URL) is unreachable and CI=true requires it."; exit 1; \
	else \
	  echo; echo "!!!!! PostgreSQL unreachable at $(PG_URL): PostgreSQL tests SKIPPED !!!!!"; echo; \
	fi

## Faults on PostgreSQL: SIGKILL mid-transaction, dropped connections, a full upload disk,
## races and schemathesis; real server processes on loopback. Figures: var/faults-summary.txt.
test-faults: install-dev document-font
	@if $(PY) scripts/check_postgres.py "$(PG_URL)"; then \
	  TEST_DATABASE_URL="$(PG_URL)" $(PY) -m pytest tests/faults -q -p no:cacheprovider; \
	elif [ "$$CI" = "true" ]; then \
	  echo "FAIL: PostgreSQL at $(PG_URL) is unreachable and CI=true requires it."; exit 1; \
	else \
	  echo; echo "!!!!! PostgreSQL unreachable at $(PG_URL): fault tests SKIPPED !!!!!"; echo; \
	fi

## Playwright tests (journeys on SQLite) and the crawl of every page by every role on PostgreSQL
## (issue 21; report: var/crawl/report.txt, screenshots of failing pages: var/screenshots/crawl-*).
## Under CI=true the crawl fails when PostgreSQL is unreachable, as the other PostgreSQL runs do.
test-browser: install-dev document-font
	@if bash scripts/browser-deps.sh; then \
	  TEST_BROWSER_PG_URL="$(PG_URL)" $(PY) -m pytest tests/browser -q -p no:cacheprovider -n 2; \
	elif [ "$$CI" = "true" ]; then \
	  echo "FAIL: browser tests are mandatory under CI=true (chromium missing)."; exit 1; \
	else \
	  echo; echo "!!!!! chromium not available: browser tests SKIPPED !!!!!"; echo; \
	fi

## The crawl alone (it is part of test-browser too).
test-crawl: install-dev
	TEST_BROWSER_PG_URL="$(PG_URL)" $(PY) -m pytest tests/browser/test_crawl.py -q -p no:cacheprovider -n 2

## Re-extract translatable strings into the catalogs (then translate the new zh entries).
i18n: install-dev
	$(PY) scripts/i18n.py

bench: install-dev
	$(PY) bench/rules.py

## Portal against a bare Starlette app, same uvicorn and workers, wrk A-B-A-B on PostgreSQL
## (issue 20): ratios per endpoint, median/best/worst over 3 rounds, in about two minutes.
## Longer rounds: make bench-http BENCH_ARGS="--seconds 30 --warmup 10". Then bench/compare.py.
bench-http: install-dev
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/compare.py || true

## The staff queue and case search over 1,000,000 cases on PostgreSQL: p50/p95/p99 and the
## EXPLAIN (ANALYZE) plans in var/bench/queue-explain.txt.
bench-queue: install-dev
	$(PY) bench/staff_queue.py $(BENCH_ARGS)

## Overload: 400 clients at once on the applicant case read, with load shedding and without:
## share shed and latency percentiles (issue 20).
bench-overload: install-dev
	$(PY) bench/overload.py $(BENCH_ARGS)

## One worker's RSS over 100,000 mixed requests, against the 300 MB bound (about 15-25 minutes).
bench-memory: install-dev
	$(PY) bench/memory.py $(BENCH_ARGS)

## CPU per request of this tree against an earlier commit: make bench-ab AGAINST=<commit>
bench-ab: install-dev
	$(PY) bench/ab.py --against $(AGAINST) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
