# Galena: `make demo` runs the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
PORT ?= 8000

# Django 6 needs Python 3.12+; take the newest interpreter we can find (3.11 still works,
# on the Django 5.2 LTS line: docs/decisions/0001-python-and-django-versions.md).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 \
	$$(ls -d $$HOME/.pyenv/versions/3.1[234]*/bin/python 2>/dev/null | sort -rV) python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { command -v $$p; break; }; done)

BIN := $(VENV)/bin
STAMP_APP := $(VENV)/.installed-app
STAMP_TEST := $(VENV)/.installed-test

# extra arguments, e.g. make test PYTEST_ARGS="-k demo"  or  make demo DEMO_ARGS=--reset
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: demo test lint check format clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Galena needs Python 3.11 or newer (3.12+ recommended): none found."; exit 1; }
	@echo "Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_APP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(STAMP_APP)

demo: $(STAMP_APP)
	PORT=$(PORT) $(BIN)/galena demo $(DEMO_ARGS)

# Two runs: the browser tests (marked "browser") apart from the rest, because their live
# server's and Playwright's threads stay for the rest of a process, where a test that forks
# (the parallel score recompute) could copy a lock one of them holds and hang. pytest exits 5
# when it collected no test: fine for one run, a failure said out loud when neither ran any.
# Each test file goes to one worker (--dist loadfile): a module's fixtures, such as the demo
# loaded once for tests/commands/test_demo.py, are set up once. On PostgreSQL the first run
# creates the test databases afresh (--create-db) and keeps them (--reuse-db) for the second,
# which then skips the migrations (SQLite's test database is in memory: made in each run).
test: $(STAMP_TEST)
	@ran=0; \
	$(BIN)/pytest -n 2 --dist loadfile -p no:cacheprovider --create-db --reuse-db -m "not browser" $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 0 ]; then ran=1; elif [ $$status -ne 5 ]; then exit $$status; fi; \
	$(BIN)/pytest -n 2 --dist loadfile -p no:cacheprovider --reuse-db -m browser $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 0 ]; then ran=1; elif [ $$status -ne 5 ]; then exit $$status; fi; \
	if [ $$ran -eq 0 ]; then echo "make test: pytest ran no tests" >&2; exit 5; fi

check: $(STAMP_APP)
	$(BIN)/galena check
	$(BIN)/galena makemigrations --check --dry-run

lint: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP_TEST)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
