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
# Exact versions of everything `.[test]` installs: the install honours them as constraints,
# so every machine runs what was tested and audited. `make lock` rewrites it from .venv.
LOCK := requirements.lock
# pip-audit lives in a venv of its own, so its dependencies never mix with the app's.
AUDIT_VENV := $(VENV)/pip-audit
PIP_AUDIT_VERSION := 2.10.1

.PHONY: install run test bench boundaries lint lock audit

$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c $(LOCK) -e ".[test]"
	touch $(STAMP)

$(BUNDLE): $(BUNDLE_DIR)/package-lock.json $(BUNDLE_DIR)/build.mjs
	@if command -v npm >/dev/null 2>&1; then \
		(cd $(BUNDLE_DIR) && npm ci --no-audit --no-fund --loglevel=error && node build.mjs) \
			|| echo "warning: the plotly.js bundle did not build: serving Dash's full plotly.js"; \
	else \
		echo "npm not found: serving Dash's full plotly.js (slower first map)"; \
	fi

install: $(STAMP) $(BUNDLE)

# The offline basemap (tools/basemap): land, coastline and rivers from GSHHG, read with GMT
# (Debian's gmt and gmt-gshhg-full, which .ci/run installs). Nothing built is committed;
# without GMT the map's default basemap is blank: a warning, not a failure.
BASEMAP_DIR := tools/basemap
BASEMAP := $(BASEMAP_DIR)/dist/basemap.geojson

$(BASEMAP): $(BASEMAP_DIR)/build.py | $(STAMP)
	@if command -v gmt >/dev/null 2>&1; then \
		$(PY) $(BASEMAP_DIR)/build.py --out $(BASEMAP) \
			|| echo "warning: the offline basemap did not build: the map's default is blank"; \
	else \
		echo "gmt not found (Debian gmt, gmt-gshhg-full): the map's default basemap is blank"; \
	fi

install: $(BASEMAP)

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

# The installed closure of onemap[test] (not whatever else .venv holds), pinned.
define LOCK_SCRIPT
from importlib.metadata import distribution
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name as key
found = {}
def walk(name, extras):
    dist = distribution(name)
    known = found.setdefault(key(name), [dist.metadata["Name"], dist.version, set()])
    if key(name) in walked and set(extras) <= known[2]:
        return
    walked.add(key(name)); known[2].update(extras)
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in ["", *known[2]]):
            walk(req.name, req.extras)
walked = set()
walk("onemap", ["test"])
print("# Exact versions of onemap[test] and everything it pulls in (make lock writes this file")
print("# from .venv; make install uses it as constraints; .ci/run audits it with pip-audit).")
for name, version, _ in sorted(v for k, v in found.items() if k != "onemap"):
    print(f"{name}=={version}")
endef
export LOCK_SCRIPT

lock:
	$(PY) -c "$$LOCK_SCRIPT" > $(LOCK).tmp && mv $(LOCK).tmp $(LOCK)

# Known vulnerabilities in the locked versions fail the build. pip-audit asks OSV; where OSV
# cannot be reached (machines that reach package registries only), the PyPI JSON API that can
# be reached is asked instead (see AUDIT_SCRIPT).
audit:
	test -x $(AUDIT_VENV)/bin/pip-audit || ( $(PYTHON) -m venv $(AUDIT_VENV) && \
		$(AUDIT_VENV)/bin/pip install -q "pip-audit==$(PIP_AUDIT_VERSION)" )
	@if $(AUDIT_VENV)/bin/pip-audit -r $(LOCK) --no-deps --disable-pip --strict -s osv \
			--progress-spinner off --timeout 20 > $(AUDIT_VENV)/osv.log 2>&1; then \
		cat $(AUDIT_VENV)/osv.log; \
	elif grep -q "known vulnerabilit" $(AUDIT_VENV)/osv.log; then \
		cat $(AUDIT_VENV)/osv.log; exit 1; \
	else \
		echo "pip-audit: OSV unreachable ($$(grep -o 'Failed to resolve[^(]*' $(AUDIT_VENV)/osv.log | head -n1)); asking PyPI's JSON API"; \
		$(AUDIT_VENV)/bin/python -c "$$AUDIT_SCRIPT" $(LOCK); \
	fi

# PyPI's project JSON lists the advisories (OSV/PYSEC/GHSA ids) that affect a project's newest
# release. A locked version that is the newest is audited fully; an older one only for
# advisories its newest release has no fix for (the per-version JSON pip-audit's own PyPI
# service reads is not served here): those are named, so `make lock` after an upgrade
# closes the gap. Any advisory found, or a project that cannot be asked, fails.
define AUDIT_SCRIPT
import json, sys, time, urllib.request
from packaging.version import Version
pins = [l.split("==") for l in open(sys.argv[1]) if "==" in l and not l.startswith("#")]
found, older, failed = [], [], []
for name, version in ((n.strip(), v.strip()) for n, v in pins):
    for attempt in range(3):
        try:
            with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=20) as r:
                data = json.load(r)
            break
        except Exception as error:
            reason = error; time.sleep(1 + attempt)
    else:
        failed.append(f"{name}: {reason}"); continue
    latest = data["info"]["version"]
    advisories = [a for a in data.get("vulnerabilities") or [] if not a.get("withdrawn")]
    if Version(version) != Version(latest):
        older.append(f"{name} {version} (newest {latest})")
        advisories = [a for a in advisories if not a.get("fixed_in")]
    for a in advisories:
        fix = ", ".join(a.get("fixed_in") or []) or "none yet"
        found.append(f"{name} {version}: {a['id']} ({', '.join(a.get('aliases') or [])}); fixed in {fix}")
print(f"pip-audit (PyPI JSON): {len(pins)} locked packages, {len(pins) - len(older) - len(failed)} at their newest release (audited fully)")
if older:
    print(f"  {len(older)} older than their newest release, checked for unfixed advisories only: " + "; ".join(older))
for line in failed:
    print(f"  could not ask PyPI about {line}")
for line in found:
    print(f"  KNOWN VULNERABILITY {line}")
sys.exit(1 if found or failed else 0)
endef
export AUDIT_SCRIPT
