# `make run` and `make test` work from a fresh clone with only Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=
# Tests run in one process per core (pytest-xdist), each with its own test database; the browser
# flows run in one, beside a live server of their own.
WORKERS ?= 2

.PHONY: run test test-fast test-browser lint format sysdeps messages vendor bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

# The demo runs as in production (DEBUG off), with a key of its own: made once, never committed,
# read by fangxian/settings.py.
.secret-key: | $(VENV)/.installed
	@umask 077 && $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

sysdeps:
	@bash scripts/sysdeps.sh test

# WhiteNoise serves the static files collected, hashed and compressed: half a minute, so only
# after a change, and without the API docs' ReDoc, which they do not use.
staticfiles/staticfiles.json: $(shell find fangxian/static -type f) $(VENV)/.installed | .secret-key
	$(PY) manage.py collectstatic --no-input -v0 --ignore "redoc.*"

# gunicorn serves the pages.
run: $(VENV)/.installed .secret-key staticfiles/staticfiles.json
	@bash scripts/sysdeps.sh run
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py demo
	@echo "Fangxian on http://127.0.0.1:$(PORT)/"
	@# The worker for long work (rosters, large PDFs) runs beside the server and stops with it.
	$(PY) manage.py db_worker --interval 0.5 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn fangxian.wsgi --bind 127.0.0.1:$(PORT) --workers 3 --timeout 120 --access-logfile -

test: $(VENV)/.installed-test sysdeps
	$(PY) -m pytest -n $(WORKERS) -m "not browser" $(PYTEST_ARGS)
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-test sysdeps
	$(PY) -m pytest -n $(WORKERS) -m "not browser" $(PYTEST_ARGS)

test-browser: $(VENV)/.installed-test sysdeps
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

# ruff with the rules in pyproject.toml, code as `ruff format` writes it (`make format`);
# mypy --strict on the Django-free fangxian/lib.
lint: $(VENV)/.installed-test
	@status=0; $(VENV)/bin/ruff check . || status=1; $(VENV)/bin/ruff format --check . || status=1; \
	  $(VENV)/bin/mypy || status=1; exit $$status

# Rebuild the Chinese catalogue after changing strings (needs gettext).
messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --no-obsolete --no-location -i ".venv/*" -i "bench/*"
	DEBUG=1 $(PY) manage.py compilemessages -l zh_Hans -i ".venv"

# Re-vendor the front-end libraries named in package.json as built files.
vendor:
	cd $$(mktemp -d) && npm pack htmx.org@$$(node -p "require('$(CURDIR)/package.json').dependencies['htmx.org']") --silent \
	  && tar xzf htmx.org-*.tgz && cp package/dist/htmx.min.js $(CURDIR)/fangxian/static/vendor/htmx.min.js
	cd $$(mktemp -d) && npm pack jsqr@$$(node -p "require('$(CURDIR)/package.json').dependencies['jsqr']") --silent \
	  && tar xzf jsqr-*.tgz && cp package/dist/jsQR.js $(CURDIR)/fangxian/static/vendor/jsQR.js
	cd $$(mktemp -d) && npm pack echarts@$$(node -p "require('$(CURDIR)/package.json').dependencies['echarts']") --silent \
	  && tar xzf echarts-*.tgz && cp package/dist/echarts.min.js $(CURDIR)/fangxian/static/vendor/echarts.min.js

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.installed-test
	@bash scripts/sysdeps.sh bench
	$(PY) bench/import_residents.py
	$(PY) bench/pages.py
	$(PY) bench/gate.py
	$(PY) bench/watch.py
	$(PY) bench/roster.py
	$(PY) bench/services.py
	$(PY) bench/casework.py
	$(PY) bench/testing.py

clean:
	rm -rf $(VENV) fangxian.sqlite3 staticfiles .pytest_cache .secret-key
