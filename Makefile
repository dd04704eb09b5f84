# relation-harness: `make mock` and `make test` work on a fresh clone (they depend on `install`).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 4010
URL    ?=
ARGS   ?=
STAMP  := $(VENV)/.installed
NODE_DIR := .cache/node
NODE_STAMP := $(NODE_DIR)/.installed
SPECTRAL := $(NODE_DIR)/node_modules/.bin/spectral
# Compiled bytecode kept under .cache/ (not beside the sources), also where the environment sets
# PYTHONDONTWRITEBYTECODE: without it every process (each test worker, mock, Schemathesis run) compiles
# the project's modules again, and pytest rewrites the asserts of ~450 modules again in each worker
# (collection: 4.5 s of CPU per worker without, 2.6 s with).
export PYTHONPYCACHEPREFIX := $(abspath .cache/pycache)
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install mock proxy test check typecheck system contract fuzz lint fmt bench node spectral mutation clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The npm tools the tests run (Spectral, Prism, openapi-typescript, openapi-fetch, TypeScript, and
# swagger2openapi, which converts the vendor's Swagger 2.0 Sale for tests/mock/test_vendor_entity.py),
# exact versions from tools/package.json and its lock file, installed with `npm ci` into a local folder.
$(NODE_STAMP): tools/package.json tools/package-lock.json
	mkdir -p $(NODE_DIR)
	cp tools/package.json tools/package-lock.json $(NODE_DIR)/
	npm ci --prefix $(NODE_DIR) --ignore-scripts --no-audit --no-fund --silent
	touch $(NODE_STAMP)

node: $(NODE_STAMP)

# Debian packages the tests run, as COMMAND:PACKAGE (COMMAND may also be a path, for a package that
# puts its programs outside PATH). apt-get installs the packages whose command is missing, after an
# `apt-get update`; with every command present this does nothing, with or without apt.
SYSTEM_PACKAGES := wrk:wrk /usr/bin/chromium:chromium

system:
	@missing=; for pair in $(SYSTEM_PACKAGES); do \
	  tool=$${pair%%:*}; command -v "$$tool" >/dev/null 2>&1 || test -x "$$tool" || missing="$$missing $${pair#*:}"; \
	done; \
	test -z "$$missing" || { \
	  command -v apt-get >/dev/null 2>&1 || { echo "make system: the tests need$$missing; install it (no apt-get here)" >&2; exit 1; }; \
	  sudo=$$(test "$$(id -u)" = 0 || echo sudo); \
	  echo "make system: installing$$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	}

spectral: node

# Recipes that may carry a credential (ARGS="--auth ...", --admin-token, a URL with a password) are not
# echoed by make (`@`): a CI log shows only what the programs print, and they mask credentials.
mock: install
	@$(BIN)/python -m mockserver --host $(HOST) --port $(PORT) $(ARGS)

# The validating proxy: `make proxy URL=https://sod.superoffice.com/Cust12345 ARGS="--report r.md"`.
proxy: install
	@test -n "$(URL)" || { echo "make proxy needs URL=<the server's base URL>, e.g. URL=https://sod.superoffice.com/Cust12345" >&2; exit 2; }
	@$(BIN)/python -m mockserver --host $(HOST) --port $(PORT) --proxy $(URL) $(ARGS)

# Every test, one worker more than the cores (JOBS=1 runs them in this process); tests/conftest.py says
# how they are shared. Many tests wait on a subprocess (a mock, Schemathesis, a tool), so on 2 cores
# 3 workers took 358 s where 2 took 408 s and 4 were slower still (2026-12-03, a clean clone).
JOBS ?= $(shell echo $$(( $$(nproc) + 1 )))
test: install node system
	SPECTRAL=$(abspath $(SPECTRAL)) $(BIN)/python -m pytest -n $(JOBS) --dist loadgroup $(ARGS)

typecheck: install
	$(BIN)/mypy

# After every change (under a minute): format, lint, types and the fast tests (the app in-process).
# Every step runs; the target fails if any of them failed.
check: install
	@status=0; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/mypy || status=1; \
	$(BIN)/python -m pytest -m fast -n $(JOBS) --durations=5 $(ARGS) || status=1; \
	exit $$status

contract: install
	@$(BIN)/python -m contracts $(if $(URL),--url $(URL)) $(ARGS)

fuzz: install
	$(BIN)/python tests/reliability/run_fuzz.py $(ARGS)

# actionlint (with shellcheck for the `run:` scripts) checks the example CI workflow.
# Mutation testing of the mock's core (minutes; not part of `make test`). Survivors: `mutmut results`.
mutation: install
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut export-cicd-stats
	$(BIN)/python -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
	print(f\"mutation score: {s['killed']}/{s['total']} killed ({100 * s['killed'] / s['total']:.1f} %), \
	{s['survived']} survived, {s['no_tests']} in code tests/mock never runs\")"

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/actionlint -shellcheck $(BIN)/shellcheck .github/workflows/*.yml

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache .hypothesis *.egg-info mutants
