# geoplatform: `make demo` and `make test` set up everything they need on Debian/Ubuntu.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# ogctests pins pytest<9 and older validators than the suite uses: it lives in a venv of its own,
# and tests/test_ogctests.py runs it as a separate process against a live server.
OGCTESTS_VENV ?= .venv-ogctests
OGCTESTS_STAMP := $(OGCTESTS_VENV)/.installed-stamp
# schemathesis fuzzes /ogcapi from its OpenAPI document (tests/test_schemathesis.py), from its own venv too.
SCHEMATHESIS_VENV ?= .venv-schemathesis
SCHEMATHESIS_STAMP := $(SCHEMATHESIS_VENV)/.installed-stamp

.PHONY: demo test setup setup-test system-demo system-test lint bench bench-clients bench-peers bench-map bench-supply serve clean translations

demo: setup ## install what is missing, load the demo data, serve on http://127.0.0.1:5000
	$(BIN)/geoplatform demo --serve

test: setup-test ## install what is missing, then lint and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/pytest

# System packages first (a fresh machine may lack python3-venv), then the virtual environment.
setup: system-demo $(STAMP)
setup-test: system-test $(STAMP) $(OGCTESTS_STAMP) $(SCHEMATHESIS_STAMP)

system-demo:
	bash scripts/setup-system.sh demo

system-test:
	bash scripts/setup-system.sh test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,serve]'
	touch $(STAMP)

$(OGCTESTS_STAMP):
	$(PYTHON) -m venv $(OGCTESTS_VENV)
	$(OGCTESTS_VENV)/bin/pip install --quiet --upgrade pip
	$(OGCTESTS_VENV)/bin/pip install --quiet ogctests==0.1.15
	touch $(OGCTESTS_STAMP)

$(SCHEMATHESIS_STAMP):
	$(PYTHON) -m venv $(SCHEMATHESIS_VENV)
	$(SCHEMATHESIS_VENV)/bin/pip install --quiet --upgrade pip
	$(SCHEMATHESIS_VENV)/bin/pip install --quiet schemathesis==4.32.5
	touch $(SCHEMATHESIS_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

serve: setup
	$(BIN)/geoplatform serve

bench: setup-test ## 1,000,000 deposits: API pages and services against raw SQL; CSV import against ogr2ogr (several minutes)
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_services.py
	$(BIN)/python bench/bench_import.py

bench-clients: setup-test ## OWSLib, GDAL (full copies of 1,000,151 deposits) and ogctests against 1,000,000 deposits (about 10 minutes)
	$(BIN)/python bench/bench_clients.py

PEERS ?= /tmp/geoplatform-peers
bench-peers: setup-test ## the same requests to geoplatform, tipg and pygeoapi on the same 1,000,000 deposits (peers from PyPI, own venvs)
	test -x $(PEERS)/tipg/bin/uvicorn || (python3 -m venv $(PEERS)/tipg && $(PEERS)/tipg/bin/pip install -q tipg uvicorn)
	test -x $(PEERS)/pygeoapi/bin/gunicorn || (python3 -m venv $(PEERS)/pygeoapi && \
		$(PEERS)/pygeoapi/bin/pip install -q pygeoapi gunicorn psycopg2-binary SQLAlchemy GeoAlchemy2)
	$(BIN)/python bench/bench_peers.py --peers $(PEERS)

bench-supply: setup-test ## warnings over 1.44 million monthly values (30 commodities x 200 countries x 20 years) against a scan; /supply against its SQL
	$(BIN)/python bench/bench_supply.py

bench-map: setup-test ## the map page in headless Chromium over 1,000,000 deposits: zooming, panning, filtering (a few minutes)
	$(BIN)/python bench/bench_map.py

# The interface's messages: English in the source, Chinese in web/translations/zh (gettext, Flask-Babel).
BABEL_KEYWORDS := -k lazy_gettext -k lazy_pgettext:1c,2
translations: $(STAMP) ## extract new messages from the code and templates, merge them into the catalogues, compile
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations --ignore-obsolete --no-fuzzy-matching --width 120
	$(BIN)/pybabel compile -d web/translations --statistics

clean:
	rm -rf $(VENV) $(OGCTESTS_VENV) $(SCHEMATHESIS_VENV) build *.egg-info .pytest_cache .ruff_cache
