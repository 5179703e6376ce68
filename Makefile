# `make run` and `make test` do every set-up step themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8080
# One process by default. `make test PYTEST_WORKERS="-n 2 --dist loadfile"` runs the suite in two
# (pytest-xdist): 10 minutes here instead of 17, but there the hanging-webhook-receiver test's
# teardown has hung past its timeout in 2 of 3 CI runs, a cause not yet found.
PYTEST_WORKERS ?=

.PHONY: run test install clean

install: $(STAMP)

# torch goes in first and pinned: anything that pulls it in later (sentence-transformers)
# would otherwise fetch the newest CUDA build, several GB.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cs-gateway serve --host $(HOST) --port $(PORT)

# The import directions first: a wrong import fails in a second, with the rule it breaks.
test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache
