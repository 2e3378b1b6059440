# doorsync — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
# Use uv from PATH if there is one; otherwise bootstrap it into .tools/ with pip.
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
WEB_PORT ?= 8000
# doorsync defaults to production (DEBUG off, no keys of its own): `make run` is the
# development demo, so it says DEBUG=true for everything it starts. The tests say what
# they need themselves (tests/settings.py).
DEV_ENV := DEBUG=true

.PHONY: run test lint install seed clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	@touch $@

install: .venv/.installed

seed: install
	$(DEV_ENV) $(UV) run python manage.py migrate --noinput
	$(DEV_ENV) $(UV) run python manage.py seed_demo

run: seed
	@echo ""
	@echo "  doorsync console:  http://127.0.0.1:$(WEB_PORT)/   (login: manager / doorsync-demo)"
	@echo "  Django admin:      http://127.0.0.1:$(WEB_PORT)/admin/   (login: support / doorsync-support)"
	@echo "  PMS simulator:     http://127.0.0.1:8765/"
	@echo ""
	$(DEV_ENV) WEB_PORT=$(WEB_PORT) $(UV) run honcho start

test: install
	$(UV) run pytest

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy .

clean:
	rm -rf var/doorsync.sqlite3* var/celery-broker var/celerybeat-schedule*
