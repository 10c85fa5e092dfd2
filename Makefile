# Inclusion Pool. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help lock install db run test test-dates test-deep pytest-deep test-faults pytest-faults backup restore bench lint fmt typecheck imports migrations-check check-services pytest assets clean

help: ## List every target
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the locked dependencies (requirements.lock)

db: install ## Create the database and its owner and runtime roles (idempotent), then migrate
	$(BIN)/python scripts/db_setup.py

run: install ## Set up everything and run the app with demo data (web, Celery worker and beat)
	scripts/run.sh

check-services: install ## Say in one line if PostgreSQL or Redis is unreachable
	$(BIN)/python scripts/check_services.py

lint: install ## ruff lint and format check, and no module over 500 lines (scripts/module_sizes.py)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/module_sizes.py

fmt: install ## Format and autofix with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install ## mypy with django-stubs
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/mypy .

imports: install ## import-linter contracts (which app may import which)
	$(BIN)/lint-imports

migrations-check: install ## Fail if models and migrations disagree
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

pytest: install ## The pytest suite alone, in parallel (pass ARGS=... for more)
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -n $(PYTEST_WORKERS) -m "not deep and not faults" $(ARGS)

test: install ## Everything CI runs (lint, types, contracts, migrations, tests); starts PostgreSQL/Redis when none answers
	scripts/with_test_services.sh $(MAKE) --no-print-directory db lint typecheck imports migrations-check pytest test-dates

# The tests that read the clock (marked date_sensitive) again with the real clock moved to
# the start, the middle and the end of a funding year: they must not depend on today's date.
TEST_DATES ?= 2027-04-01 2027-08-31 2028-03-31
test-dates: install ## The date-sensitive tests at 1 April, 31 August and 31 March (TEST_CLOCK)
	@for day in $(TEST_DATES); do \
		echo "date-sensitive tests with the clock at $$day"; \
		TEST_CLOCK=$$day DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "date_sensitive and not deep and not faults" $(ARGS) || exit 1; \
	done

test-deep: install ## Long property-based runs (hypothesis deep profile) and then the fault tests (make test-faults): about 15 min more than make test
	scripts/with_test_services.sh $(MAKE) --no-print-directory db pytest-deep pytest-faults

pytest-deep: install ## The deep property runs alone, against the configured services
	@mkdir -p .pytest_cache
	PROPERTY_PROGRESS_FILE=$(CURDIR)/.pytest_cache/property-progress.log HYPOTHESIS_PROFILE=deep DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -n $(PYTEST_WORKERS) -m deep $(ARGS)

test-faults: check-services db pytest-faults ## Fault tests on real processes: broker/cache down or hung, slow clients, full disk, backup and restore (about 15 min; nginx from Debian). Also run by make test-deep

pytest-faults: install ## The fault tests alone, against the configured services (nginx from Debian: apt-get install nginx-light)
	@test -n "$$NGINX" || command -v nginx >/dev/null || test -x /usr/sbin/nginx || { echo "The fault tests need nginx: apt-get install nginx-light (Debian), or set NGINX"; exit 2; }
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -m faults $(ARGS)

BACKUP_DIR ?= backups/$(shell date -u +%Y%m%dT%H%M%SZ)
backup: install ## Back up the database (as DATABASE_BACKUP_URL) and every stored file to BACKUP_DIR, with a checksum manifest
	$(BIN)/python manage.py backup $(BACKUP_DIR)

restore: install ## Restore FROM=<backup folder> into a new database DATABASE=<name> and an empty PRIVATE_MEDIA_ROOT
	@test -n "$(FROM)" -a -n "$(DATABASE)" || { echo "usage: make restore FROM=backups/<stamp> DATABASE=<new database name>"; exit 2; }
	$(BIN)/python manage.py restore $(FROM) --database $(DATABASE)

bench: check-services db ## Performance benchmarks (B1-B8, see docs/performance.md)
	$(BIN)/python -m devtools.bench

lock: install ## Regenerate requirements.lock and requirements.prod.lock from pyproject.toml
	scripts/lock.sh

assets: ## Rebuild GOV.UK Frontend CSS/JS into static/ (needs Node and npm)
	scripts/build_assets.sh

clean: ## Remove the virtualenv and local data (embedded database, broker files)
	-test -x $(BIN)/python && $(BIN)/python scripts/embedded_pg.py stop
	-test -x $(BIN)/python && $(BIN)/python scripts/embedded_pg.py stop --data .data/test-postgres
	rm -rf $(VENV) .data .mypy_cache .ruff_cache .pytest_cache
