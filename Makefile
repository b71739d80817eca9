# Lianxin — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
RUN := $(UV) run --frozen
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/lianxin
DEMO_PEOPLE ?= 230
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := lianxin.settings

.PHONY: demo serve test test-sqlite test-postgres lint bench sync migrate

$(UV):
	@echo "uv not found: installing it for this user"
	$(PYTHON) -m pip install --user --quiet uv || $(PYTHON) -m pip install --user --quiet --break-system-packages uv

sync: $(UV)
	$(UV) sync --frozen --quiet

migrate: sync
	$(RUN) python manage.py migrate --noinput

demo: migrate
	$(RUN) python manage.py demo_seed --people $(DEMO_PEOPLE) --if-empty
	$(RUN) python manage.py collectstatic --noinput --verbosity 0
	@$(MAKE) --no-print-directory serve

serve: sync
	@$(RUN) python manage.py demo_logins
	@HOST=$(HOST) PORT=$(PORT) RUN="$(RUN)" bash scripts/serve.sh

test: sync test-sqlite test-postgres

test-sqlite:
	$(RUN) pytest -q -p no:cacheprovider

test-postgres:
	@PG_TEST_URL=$(PG_TEST_URL) RUN="$(RUN)" bash scripts/test-postgres.sh

lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check lianxin tests bench
	$(RUN) mypy lianxin tests

bench: sync
	$(RUN) python bench/run_all.py
