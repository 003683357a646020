# FaceLib: everything a fresh Debian 12 machine needs comes from here (venv, apt packages, services).
#   make run    venv + PostgreSQL/pgvector + Redis + migrate + admin + worker + gunicorn, until Ctrl-C
#   make test   venv (with test tools) + PostgreSQL + Redis + pytest; PYTEST_ARGS="-k health -x" narrows it
#   make fuzz   the fuzzing and property tests with many more examples (FUZZ_EXAMPLES, default 300 per test)
# Environment: PORT (8000), FACELIB_PG_PORT (54329), FACELIB_REDIS_PORT (63790), FACELIB_WORKERS (2),
# DATABASE_URL / CELERY_BROKER_URL (use real servers, start none), FACELIB_ADMIN_USER / FACELIB_ADMIN_PASSWORD.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
export PYTHON

.PHONY: help bootstrap bootstrap-test run test fuzz start stop status lint format check-deploy lock bench

help:
	@sed -n 's/^#   //p' Makefile
	@echo "  other targets: bootstrap bootstrap-test start stop status lint format check-deploy lock"

bootstrap:
	@bash scripts/bootstrap.sh run

bootstrap-test:
	@bash scripts/bootstrap.sh test

run: bootstrap
	@exec $(PY) scripts/services.py run

test: bootstrap-test
	@exec $(PY) scripts/services.py test $(PYTEST_ARGS)

FUZZ_EXAMPLES ?= 300
fuzz: bootstrap-test
	@FACELIB_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) scripts/services.py test tests/facesets/test_filter_properties.py \
		tests/recognition/test_imageio_properties.py tests/conformance/test_fuzz.py $(PYTEST_ARGS)

# PostgreSQL and Redis in the background, for working with manage.py or pytest by hand.
start: bootstrap
	@$(PY) scripts/services.py start

stop:
	@$(PY) scripts/services.py stop

status:
	@$(PY) scripts/services.py status

lint: bootstrap-test
	@$(VENV)/bin/ruff check .

format: bootstrap-test
	@$(VENV)/bin/ruff format .

check-deploy: bootstrap
	@$(PY) manage.py check --deploy

# Rewrite the locks from the venv after `pip install`ing something into it: runtime packages go to
# requirements.lock, the names already in requirements-dev.lock stay there; opencv-python never goes in.
lock:
	@$(PY) -m pip freeze --exclude-editable | grep -viE '^opencv-python==' > $(VENV)/freeze.txt
	@dev="$$(grep -vE '^#' requirements-dev.lock | cut -d= -f1 | tr 'A-Z_' 'a-z-' | paste -sd'|')"; \
	{ grep -E '^#' requirements.lock; \
	  awk -F'==' -v dev="^($$dev)$$" '{n=tolower($$1); gsub("_","-",n); if (n !~ dev) print}' $(VENV)/freeze.txt; \
	} > requirements.lock.new; \
	{ grep -E '^#' requirements-dev.lock; \
	  awk -F'==' -v dev="^($$dev)$$" '{n=tolower($$1); gsub("_","-",n); if (n ~ dev) print}' $(VENV)/freeze.txt; \
	} > requirements-dev.lock.new
	@mv requirements.lock.new requirements.lock && mv requirements-dev.lock.new requirements-dev.lock
	@echo "requirements.lock and requirements-dev.lock rewritten from $(VENV)"

# Benchmarks and the accuracy report (bench/REPORT.md, bench/plots/): installs the bench-only extras of
# requirements-bench.lock (face_recognition + dlib-bin, matplotlib) and the client SDKs of requirements-dev.lock,
# starts PostgreSQL/Redis, runs bench/run.py.
# BENCH_ARGS="--quick" for a run of minutes; BENCH_ARGS="--only accuracy" for one part.
BENCH_ARGS ?=
bench: start
	@$(PY) -m pip install --quiet --no-deps -r requirements-dev.lock -r requirements-bench.lock
	@$(PY) bench/run.py $(BENCH_ARGS)
