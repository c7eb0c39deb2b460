# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint typecheck pytest package bench gallery pages-assets clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

# The pages' scripts (bot/web/assets: Teams JS library, Cytoscape.js) built by esbuild into
# bot/web/static/dist from their npm lock file; rebuilt when the lock or a source changes.
# The pages work without them (server-rendered; the map has a list view), so a machine
# without npm still runs and tests everything else.
PAGES_NPM := bot/web/assets/node_modules/.installed
PAGES_DIST := bot/web/static/dist/.built
$(PAGES_NPM): bot/web/assets/package-lock.json
	@npm ci --prefix bot/web/assets --no-audit --no-fund --loglevel=error
	@touch $@
$(PAGES_DIST): $(PAGES_NPM) bot/web/assets/build.mjs $(wildcard bot/web/assets/src/*.js)
	@node bot/web/assets/build.mjs
	@touch $@

## The pages' scripts, built into bot/web/static/dist (needs Node.js and npm).
pages-assets: $(PAGES_DIST)

## Start the bot on its embedded SQLite store with demo data, and the Agents Playground.
run: $(STAMP) $(PAGES_DIST)
	@scripts/run.sh

## The whole suite: lint, types, tests (PostgreSQL tests need TEST_POSTGRES_URL).
test: lint typecheck pytest

lint: $(STAMP)
	@$(VENV)/bin/ruff check bot dialogs cards tests scripts bench
	@$(VENV)/bin/ruff format --check --quiet bot dialogs cards tests scripts bench

typecheck: $(STAMP)
	@$(VENV)/bin/mypy

# The suite is mostly waiting on sockets and databases: three workers on two cores.
PYTEST_WORKERS ?= 3
pytest: $(STAMP)
	@$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

## The Teams app package build/mace-bot-teams.zip (needs APP_ID and an https PUBLIC_BASE_URL).
package: $(STAMP)
	@$(VENV)/bin/mace-bot package

## The bot against the stock echo bot on a large seeded store: prints the table, writes
## docs/benchmarks.md. Reports only (exits 0 when targets fail); not part of `make test`.
bench: $(STAMP)
	@$(PY) -m bench.run

# The gallery's renderer (npm adaptivecards, markdown-it), reinstalled when its lock changes.
GALLERY_NPM := scripts/gallery/node_modules/.installed
$(GALLERY_NPM): scripts/gallery/package-lock.json
	@npm ci --prefix scripts/gallery --no-audit --no-fund --loglevel=error
	@touch $@

## Every card the bot sends, with invented data, rendered as in Teams to docs/cards/*.png
## (with docs/cards/README.md); fails on any renderer error. Needs Chromium.
gallery: $(STAMP) $(GALLERY_NPM)
	@$(PY) scripts/card_gallery.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bot/web/static/dist

## A screenshot of each page (demo data, signed in through a fake Entra ID in headless
## Chromium) into docs/images/pages/*.png, as docs/pages.md shows them. Needs Chromium.
.PHONY: pages-screenshots
pages-screenshots: $(STAMP) $(PAGES_DIST)
	@MACE_PAGE_SCREENSHOTS=1 $(PY) -m pytest tests/browser/test_pages_signin.py -q -n 0 -k "screenshot and sqlite"
