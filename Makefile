# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint reports bench clean graphviz system-packages fuzz

$(STAMP): pyproject.toml
	@echo "make: creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "make: upgrading pip in $(VENV)"
	$(BIN)/pip install --quiet --upgrade pip
	@echo "make: installing pruner (editable) with its dependencies (networkx PyYAML click graphviz ruamel.yaml highspy) and test tools (pytest pytest-xdist hypothesis ortools jsonschema import-linter ruff), the trace-store engines (chdb clickhouse-connect) and msgspec, from pyproject.toml"
	$(BIN)/pip install --quiet -e '.[dev]'
	@echo "make: byte-compiling pruner, as a wheel install does (an editable install does not, and under PYTHONDONTWRITEBYTECODE every run would compile each module again)"
	$(BIN)/python -m compileall -q pruner
	touch $(STAMP)

# Debian packages the suite needs, each installed only when missing: Graphviz (`dot`) for
# SVG/PNG diagrams, Chromium and its driver for the browser tests, SCRAM as the reference
# peer for cut sets and probabilities on the Open-PSA models.
APT_NEEDS := dot:graphviz chromium:chromium chromedriver:chromium-driver scram:scram

define apt_install
	@missing=""; for pair in $(1); do cmd=$${pair%%:*}; pkg=$${pair#*:}; \
	  command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

graphviz:
	$(call apt_install,dot:graphviz)

system-packages:
	$(call apt_install,$(APT_NEEDS))

# Exit 1 is the expected verdict here (a critical flow breaks); only 2 (bad input) fails.
demo: $(STAMP) graphviz
	$(BIN)/pruner check manifests/twitter --off sms-gateway || test $$? -eq 1

test: $(STAMP) system-packages
	$(BIN)/lint-imports
	$(BIN)/ruff check pruner tests benchmarks
	@# Two workers: CI machines have 2 cores, and the suite is 2,400 short tests (no single one
	@# over ~10 s), so it splits well: about 375 s on one core, about 205 s on two.
	$(BIN)/python -m pytest -q -n 2 --dist worksteal

# Fuzz at length (issue 9 §7): mutated example manifests through the loader and `check`,
# mutated corpus samples through every importer; `make test` runs the same tests briefly.
# PRUNER_FUZZ_EXAMPLES=N sets the number of examples per test (default 100x the quick run).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/test_fuzz.py tests/importers/test_fuzz_importers.py

# The examples in reports/: the Twitter story with sms-gateway switched off.
# tests/test_reports.py regenerates them the same way and fails when they are stale.
STORY := manifests/twitter --off sms-gateway
reports: $(STAMP) system-packages
	$(BIN)/pruner render $(STORY) --output reports/twitter-sms-gateway.dot
	$(BIN)/pruner render $(STORY) --output reports/twitter-sms-gateway.svg
	$(BIN)/pruner render $(STORY) --output reports/twitter-sms-gateway.mmd
	$(BIN)/pruner render $(STORY) --flow 2fa-login-sms --output reports/twitter-sms-gateway-2fa-login-sms.svg
	$(BIN)/pruner report $(STORY) --output reports/twitter-sms-gateway.html
	@# The what-if page with nothing switched off, then sms-gateway clicked off in Chromium.
	$(BIN)/pruner report manifests/twitter --output reports/twitter-whatif.html
	$(BIN)/python -m tests.e2e.screenshots reports/twitter-whatif.html reports
	dot -V 2>&1 | sed 's/ *(.*//' > reports/graphviz-version.txt
	@# `check` exits 1 when the gate fails, which is the point of this story.
	$(BIN)/pruner check $(STORY) --format markdown --output reports/twitter-sms-gateway.md \
	  || [ $$? -eq 1 ]

clean:
	rm -rf $(VENV) build *.egg-info
