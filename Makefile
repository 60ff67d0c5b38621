# Two set-up commands: `make demo` (runs the server on the embedded default) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HAVE_NPM := $(shell command -v npm 2>/dev/null)
DEMO_ENV := DEBUG=1

.PHONY: install node translations demo demo-data test lint format clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed"' \
		|| { echo "Python 3.11 is needed (tried: $(PYTHON)); set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The ru/tg catalogues, compiled in Python (no GNU gettext needed); stale .mo files only.
translations: install
	$(BIN)/python -m bma.core.translations

install: $(BIN)/.installed

# ODK Web Forms and Vue (served by the Web Forms page) and ODK's form engine (the form tests), from npm;
# pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

node: $(if $(HAVE_NPM),node_modules/.installed)

demo-data: install node translations
	@test -d node_modules/@getodk/web-forms || echo "warning: npm is missing: the Web Forms page will say its assets are not installed"
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py sync_roles
	$(DEMO_ENV) $(BIN)/python manage.py load_gazetteer --demo-villages
	$(DEMO_ENV) $(BIN)/python manage.py demo_users
	$(DEMO_ENV) $(BIN)/python manage.py publish_forms
	$(DEMO_ENV) $(BIN)/python manage.py demo_round

demo: demo-data
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install node translations
	$(BIN)/pytest

# A model change without its migration fails here (labels make none: bma/core/autodetector.py). DEBUG=1:
# no SECRET_KEY is needed; an in-memory database: the check reads no deployment's.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python tools/module_sizes.py
	DEBUG=1 DATABASE_URL=sqlite://:memory: $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python tools/import_cycles.py bma

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules db.sqlite3 media .test-media staticfiles .pytest_cache
