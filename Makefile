# SPDX-License-Identifier: AGPL-3.0-or-later
# Two commands on a fresh machine: `make demo` (the clinic with demo data at
# http://127.0.0.1:8000) and `make test` (everything the tests need, then all tests).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NERVEPATH_DEV ?= 1
# Compiled bytecode (and pytest's rewritten test modules) is cached in __pycache__, so
# only the first of the many Python processes a test run starts compiles the sources.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test test-runs install lint check-deploy test-postgres test-moment test-fast clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	mkdir -p var/static
	$(BIN)/nervepath migrate --noinput
	$(BIN)/nervepath seed_demo
	@echo "Starting the task worker and the web server at http://127.0.0.1:8000 (Ctrl-C stops both)"
	@# The worker waits out a locked database itself; if it dies of anything else, the
	@# loop starts it again after 5 s (as the systemd unit's Restart=on-failure does in production).
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	  while true; do \
	    $(BIN)/nervepath db_worker --interval 2; \
	    echo "make demo: the task worker stopped (exit $$?); starting it again in 5 s" >&2; \
	    sleep 5; \
	  done & \
	  DEBUG=1 $(BIN)/nervepath runserver 127.0.0.1:8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(MAKE) check-deploy

# The production settings pass Django's deployment checklist with nothing to report.
check-deploy: $(STAMP)
	DJANGO_SETTINGS_MODULE=nervepath.config.production \
	  SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=clinic.example.org NERVEPATH_VAR_DIR=$$(mktemp -d) \
	  $(BIN)/nervepath check --deploy --fail-level WARNING

# NERVEPATH_TEST_NOW=<ISO instant> runs every step at that moment (tests/clock.py);
# without it, the suite runs now and the non-browser tests again at today's hard moment.
# The few whole-system checks marked `once` (pyproject.toml) run in one of the two: at
# the hard moment when there is one, else in the only run.
#
# `make lint` runs beside the tests, on the share of the two cores the test runs leave
# idle (start-up, waits on the browser and the servers); its output is printed after
# the tests', and either failing fails `make test`.
test: $(STAMP)
	bash scripts/ensure-test-services.sh
	@lint_log=$$(mktemp); \
	  $(MAKE) --no-print-directory lint > "$$lint_log" 2>&1 & lint_pid=$$!; \
	  $(MAKE) --no-print-directory test-runs; tests=$$?; \
	  wait $$lint_pid; lint=$$?; \
	  echo "== make lint (run beside the tests) =="; cat "$$lint_log"; rm -f "$$lint_log"; \
	  if [ $$lint != 0 ]; then echo "make test: make lint failed (above)" >&2; fi; \
	  if [ $$tests != 0 ]; then echo "make test: the tests failed (see above)" >&2; fi; \
	  [ $$tests = 0 ] && [ $$lint = 0 ]

test-runs: $(STAMP)
	@if [ -z "$$NERVEPATH_TEST_NOW" ]; then \
	  $(BIN)/python -m pytest -n 2 --dist worksteal -m "not once"; \
	else \
	  $(BIN)/python -m pytest -n 2 --dist worksteal; \
	fi
	$(MAKE) test-postgres
	@if [ -z "$$NERVEPATH_TEST_NOW" ]; then $(MAKE) test-moment; fi

# The non-browser tests at one of the moments where "now" is hard (scripts/hard_moment.py):
# picked by the day of the year, so CI meets each of them in turn. tests/science is left
# out: the science layer never reads the clock (tests/science/test_no_wall_clock.py). The
# tests marked `once` run here only.
test-moment: $(STAMP)
	@moment="$$($(BIN)/python scripts/hard_moment.py)"; \
	  echo "Hard moment for this run: $$moment"; \
	  NERVEPATH_TEST_NOW="$${moment%% *}" $(BIN)/python -m pytest -n 2 --dist worksteal -m "not e2e" -p no:cacheprovider --ignore=tests/science

test-postgres: $(STAMP)
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
	  $(BIN)/python -m pytest -n 2 --dist worksteal -m "booking or postgres" -p no:cacheprovider

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e"

clean:
	rm -rf $(VENV) var .pytest_cache
