# Mend: the README's commands. Everything installs itself into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
DEMO_COUPLES ?= 40
PG_TEST_URL := postgresql+psycopg://postgres@127.0.0.1:5432/test
# Test processes (pytest-xdist): one per CPU; each has its own SQLite files and its own
# PostgreSQL database (tests/conftest.py), and a file's tests stay in one process.
TEST_WORKERS ?= auto
STAMP := $(VENV)/.installed-stamp
# Every dependency pinned with its hashes: a new upstream release changes nothing until
# `make lock` is run and the new lock is committed.
LOCK := requirements.lock

.PHONY: setup lock report-deps run test lint format e2e bench bench-small bench-large bench-served soak clean

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@$(BIN)/python -m pip check || (echo "requirements.lock does not match pyproject.toml: run make lock"; exit 1)
	@touch $(STAMP)

setup: $(STAMP)

# Refresh the lock from pyproject.toml's ranges (newest versions that fit), then run
# `make setup` and the tests before committing it.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet "uv>=0.9,<1"
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 --upgrade --quiet -o $(LOCK)

# glibc malloc for the server process (bench/served_browser.SERVER_MALLOC: the same, for the
# served bench and the browser tests). Streamlit runs every script run in a thread of its
# own, and glibc gives threads arenas of their own (up to 8 per core) that keep freed memory:
# at most 2 arenas. Blocks of 128 KiB and more (pandas' and numpy's columns) are mapped and
# unmapped on their own, so a freed frame goes back to the system instead of staying in the
# heap (glibc otherwise raises that threshold up to 32 MiB after the first large free).
# bench-served at 2,000 couples, the same code without them: peak 390 MB instead of 369-375,
# 314 MB instead of 300 once the users left (bench/results-served.md).
SERVER_MALLOC := MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072

run: setup
	@MEND_DEMO=$${MEND_DEMO:-1} $(BIN)/python -m core.cli init-db --demo-if-empty --couples $(DEMO_COUPLES)
	@echo ""
	@echo "  Mend is starting at http://localhost:$(PORT)"
	@echo "  Demo logins (synthetic data): counsellor1 / counsel-demo-1, counsellor2 / counsel-demo-2,"
	@echo "  supervisor / supervise-demo, admin / oversee-demo-pass"
	@echo ""
	MEND_DEMO=$${MEND_DEMO:-1} $(SERVER_MALLOC) $(BIN)/streamlit run app.py --server.headless true \
		--server.port $(PORT) --browser.gatherUsageStats false

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The PDF report's tests need a Chromium (kaleido draws the charts), poppler's pdftoppm
# (page 1 to PNG) and the DejaVu font (Unicode text in the PDF): Debian packages.
report-deps:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	@command -v pdftoppm >/dev/null || (apt-get update -qq && apt-get install -y -qq poppler-utils)
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
		|| (apt-get update -qq && apt-get install -y -qq fonts-dejavu-core)

# PostgreSQL runs the same suite when it answers; pytest's "no tests" (exit 5) fails the run.
test: setup report-deps
	$(BIN)/ruff check .
	@if ! $(BIN)/python -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/test', connect_timeout=3).close()" 2>/dev/null \
		&& command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then \
		echo "Starting the local PostgreSQL for the database tests"; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true; sleep 2; fi
	@if $(BIN)/python -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/test', connect_timeout=3).close()" 2>/dev/null; then \
		echo "Database tests run on SQLite and PostgreSQL"; export MEND_TEST_POSTGRES_URL=$(PG_TEST_URL); \
	else echo "PostgreSQL does not answer: database tests run on SQLite only"; fi; \
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure"; fi; exit $$rc

e2e: setup report-deps
	$(BIN)/pytest tests/e2e -p no:cacheprovider; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no end-to-end tests collected: that is a failure"; fi; exit $$rc

# Every page at 20, 200 and 2,000 couples against its floor; writes bench/results.md.
# Demo databases are cached in bench/.cache/ (rebuilt when the schema or core/demo changes).
bench: setup report-deps
	$(BIN)/python -m bench.run --sizes 20 200 2000

# The smallest size only, fast (CI): results go to bench/.cache/, not the committed file.
bench-small: setup report-deps
	$(BIN)/python -m bench.run --sizes 20 --repeats 3 --results bench/.cache/results-small.md

# The same pages on PostgreSQL at 2,000 and 20,000 couples; writes bench/results-postgresql.md.
# Each demo caseload is a database of its own on that server (mend_bench_<size>_<schema and
# core/demo key>), built once (20,000 couples take minutes) and kept; every run works on a
# copy made from it (CREATE DATABASE ... TEMPLATE), dropped afterwards. The server's other
# databases are never touched. LARGE_SIZES=2000 for the smaller one only.
LARGE_SIZES ?= 2000 20000
bench-large: setup report-deps
	@if [ -z "$$MEND_TEST_POSTGRES_URL" ]; then \
		echo "bench-large needs MEND_TEST_POSTGRES_URL (a PostgreSQL server where it may"; \
		echo "create databases), e.g. MEND_TEST_POSTGRES_URL=$(PG_TEST_URL)"; exit 2; fi
	$(BIN)/python -m bench.run --engine postgresql --sizes $(LARGE_SIZES)

# Not in CI nor `make bench` (minutes): the served app (`streamlit run app.py` on 127.0.0.1)
# against a copy of the cached 2,000-couple database: its peak memory while 10 users in
# headless Chromium open caseloads and couple pages, navigation to a drawn Progress tab
# against an empty page, and each couple chart's JSON size; writes bench/results-served.md.
bench-served: setup report-deps
	$(BIN)/python -m bench.served --couples 2000

# Not in CI: the 2,000-couple demo through backup and restore, SQLite -> PostgreSQL -> SQLite
# (SQLite -> SQLite when PostgreSQL does not answer), compared row by row; rows and times.
soak: setup
	@if $(BIN)/python -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/test', connect_timeout=3).close()" 2>/dev/null; then \
		$(BIN)/python -m bench.soak --couples 2000 --postgres-url $(PG_TEST_URL); \
	else $(BIN)/python -m bench.soak --couples 2000; fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
