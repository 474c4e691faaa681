# `make run` and `make test` bootstrap .venv themselves; the install is redone only when
# pyproject.toml changes, and the database only reloads boundaries whose files changed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The map-only plotly.js bundle (tools/plotly-bundle); without Node.js the app serves the
# full plotly.js that Dash ships, so a missing npm is a warning, not a failure.
BUNDLE_DIR := tools/plotly-bundle
BUNDLE := $(BUNDLE_DIR)/dist/plotly-map.min.js
# The suite mostly waits (databases, a browser): three processes keep two cores busy. Each
# process runs whole test files (loadscope), so a file's app is built once, in one process.
TEST_WORKERS ?= 3

.PHONY: install run test bench boundaries lint

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

$(BUNDLE): $(BUNDLE_DIR)/package-lock.json $(BUNDLE_DIR)/build.mjs
	@if command -v npm >/dev/null 2>&1; then \
		(cd $(BUNDLE_DIR) && npm ci --no-audit --no-fund --loglevel=error && node build.mjs) \
			|| echo "warning: the plotly.js bundle did not build: serving Dash's full plotly.js"; \
	else \
		echo "npm not found: serving Dash's full plotly.js (slower first map)"; \
	fi

install: $(STAMP) $(BUNDLE)

run: install
	$(VENV)/bin/onemap run

test: install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

bench: install
	$(PY) -m bench $(if $(QUICK),--quick,)

boundaries: $(STAMP)
	$(VENV)/bin/onemap boundaries build

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
