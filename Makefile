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
SPECTRAL := $(NODE_DIR)/node_modules/.bin/spectral

.PHONY: install mock test contract fuzz lint fmt bench spectral clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Spectral (the OpenAPI linter) comes from the npm registry, pinned, into a local folder.
$(SPECTRAL):
	mkdir -p $(NODE_DIR)
	npm install --prefix $(NODE_DIR) --no-audit --no-fund --silent @stoplight/spectral-cli@6.16.3

spectral: $(SPECTRAL)

mock: install
	$(BIN)/python -m mockserver --host $(HOST) --port $(PORT) $(ARGS)

test: install spectral
	SPECTRAL=$(abspath $(SPECTRAL)) $(BIN)/python -m pytest $(ARGS)

contract: install
	$(BIN)/python -m contracts $(if $(URL),--url $(URL)) $(ARGS)

fuzz: install
	$(BIN)/python tests/reliability/run_fuzz.py $(ARGS)

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache .hypothesis *.egg-info
