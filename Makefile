# Opora — the two commands: `make demo` (install, seed, serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: demo test test-sqlite test-postgres lint bench messages serve clean

$(VENV)/.runtime: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Opora needs Python 3.11 or newer"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

## The embedded demo: SQLite, demo data, task worker, http://127.0.0.1:8000
demo: $(VENV)/.runtime
	OPORA_DEBUG=1 $(PY) -m opora.cli demo

## Production-style server (set DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS first)
serve: $(VENV)/.runtime
	$(PY) -m opora.cli migrate --no-input
	$(PY) -m opora.cli serve

## Everything: lint, the suite on SQLite, then on PostgreSQL when it is reachable (required in CI)
test: $(VENV)/.dev lint test-sqlite test-postgres

lint: $(VENV)/.dev
	$(PY) -m ruff check opora tests bench

test-sqlite: $(VENV)/.dev
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.dev
	@if $(PY) -c "import psycopg, sys; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL run ($(PG_TEST_URL))"; \
		DATABASE_URL=$(PG_TEST_URL) OPORA_TESTING=1 $(PY) -m pytest -m "not e2e" $(PYTEST_ARGS); \
	elif [ -n "$$OPORA_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL is required (OPORA_REQUIRE_POSTGRES) but $(PG_TEST_URL) is not reachable"; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL run — no server at $(PG_TEST_URL) (set PG_TEST_URL to point at one)"; \
	fi

## Benchmarks (see bench/README.md)
bench: $(VENV)/.dev
	status=0; \
	$(PY) bench/erlang.py || status=1; \
	$(PY) bench/mail_ingest.py || status=1; \
	DATABASE_URL=$(PG_TEST_URL) OPORA_TESTING=1 $(PY) bench/sla.py || status=1; \
	PG_BENCH_URL=$(PG_TEST_URL) $(PY) bench/search.py || status=1; \
	PG_BENCH_URL=$(PG_TEST_URL) $(PY) bench/api_load.py || status=1; \
	PG_BENCH_URL=$(PG_TEST_URL) $(PY) bench/analytics.py || status=1; \
	PG_BENCH_URL=$(PG_TEST_URL) $(PY) bench/chat.py || status=1; \
	PG_BENCH_URL=$(PG_TEST_URL) $(PY) bench/telegram_webhook.py || status=1; \
	DATABASE_URL=$(PG_TEST_URL) OPORA_TESTING=1 $(PY) bench/quality.py || status=1; \
	DATABASE_URL=$(PG_TEST_URL) OPORA_TESTING=1 $(PY) bench/entitlements.py || status=1; \
	DATABASE_URL=$(PG_TEST_URL) OPORA_TESTING=1 $(PY) bench/authority.py || status=1; \
	exit $$status

## Recompile translations after editing opora/locale/*/LC_MESSAGES/django.po
messages: $(VENV)/.dev
	$(PY) -c 'import glob, polib; [polib.pofile(p).save_as_mofile(p[:-2] + "mo") for p in glob.glob("opora/locale/*/LC_MESSAGES/django.po")]'


clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
