# Developer commands. `make run` and `make test` are the two that matter (README).
# Every target creates the virtualenv and installs the pinned requirements first,
# only when requirements.txt changed since the last install.

PYTHON3 ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.requirements-installed
MANAGE := $(PY) manage.py
ADDR ?= 127.0.0.1:8000
# Extra arguments: `make test ARGS="-m live"`, `make bench ARGS="cleanup --scale tiny"`.
ARGS ?=
# compilemessages and makemessages would otherwise walk the virtualenv and node_modules.
I18N_IGNORE := --ignore=$(notdir $(VENV)) --ignore=node_modules --ignore=var

.PHONY: run test quick bench lint messages venv assets translations prerequisites-run prerequisites-test

venv: $(INSTALLED)

# The Debian packages each command needs (compiler, headers, gettext, Node; Chromium for
# the tests): installed as root or with sudo, else the exact apt-get line and a stop.
prerequisites-run:
	@bash .ci/prerequisites run
prerequisites-test:
	@bash .ci/prerequisites test

$(PY):
	$(PYTHON3) -m venv $(VENV)

$(INSTALLED): requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

# Chart.js for the report charts, from npm (never copied into the repository); the
# stamp skips npm when package.json and its lock did not change since the last install.
NPM_STAMP := node_modules/.installed
assets:
	@if [ ! -f package.json ]; then exit 0; fi; \
	if [ -f $(NPM_STAMP) ] && [ $(NPM_STAMP) -nt package.json ] \
	   && { [ ! -f package-lock.json ] || [ $(NPM_STAMP) -nt package-lock.json ]; }; then exit 0; fi; \
	if ! command -v npm >/dev/null 2>&1; then \
	  echo "warning: npm is not installed; charts will not render (apt-get install npm)"; exit 0; fi; \
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; \
	else npm install --no-audit --no-fund --loglevel=error; fi && touch $(NPM_STAMP)

# The French catalogues of every app (<app>/locale/fr), compiled (.mo files are build
# output, not sources).
translations: venv
	@if command -v msgfmt >/dev/null 2>&1; then \
	  $(MANAGE) compilemessages $(I18N_IGNORE) -v 0; \
	else \
	  echo "warning: gettext (msgfmt) is not installed; the French translation is off"; \
	fi

run: prerequisites-run venv assets translations
	$(MANAGE) migrate --no-input
	$(MANAGE) setup_demo
	exec $(MANAGE) runall --addr $(ADDR)

# The whole suite (what CI runs, on SQLite and again on PostgreSQL + Redis).
test: prerequisites-test venv assets translations
	$(VENV)/bin/pytest $(ARGS)

# The edit-test loop: everything but the tests with real worker/beat processes, the kill
# tests, the browser tests and the slow ones (other processes, migration replays, the demo
# data set), on SQLite (about a minute).
quick: venv
	DATABASE_URL= CELERY_BROKER_URL= $(VENV)/bin/pytest -q -n 2 -m "not live and not browser and not slow" $(ARGS)

bench: venv
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; \
	  *) echo "make bench needs DATABASE_URL=postgres://... (the benchmarks measure PostgreSQL)"; exit 2;; esac
	$(MANAGE) benchmark $(ARGS)

# Style, import rules (.importlinter: layers, public modules, no cycles) and the types
# of the engine's public and plug-in modules, as CI checks them.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

# Update each app's own catalog from its code and templates (makecatalogs), then compile.
messages: venv
	$(MANAGE) makecatalogs
	$(MANAGE) compilemessages $(I18N_IGNORE)
