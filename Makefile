# chikuden — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
OUT ?= out
SCENARIO ?= proposal-2022

.PHONY: run test lint typecheck pytest fuzz bench translations clean docker-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs the package (editable) once per change of pyproject.toml.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/chikuden run --scenario $(SCENARIO) --out $(OUT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# The roadmap ledger's tests also run on PostgreSQL: scripts/postgres.sh installs Debian's
# postgresql if missing, starts a throwaway server and prints its URL. The browser tests
# (tests/browser) drive Debian's chromium: scripts/chromium.sh installs it and fonts-noto-cjk
# if missing and prints its path. Two test processes share the 2 cores, so BLAS runs one thread
# in each (more oversubscribe the cores; scipy's KDE in the delta sensitivity test stalled so).
pytest: $(VENV)/.installed-test
	url=$$(scripts/postgres.sh) && chromium=$$(scripts/chromium.sh) && \
		CHIKUDEN_TEST_PG_URL="$$url" CHIKUDEN_CHROMIUM="$$chromium" OPENBLAS_NUM_THREADS=1 \
		$(BIN)/python -m pytest -q -n 2

test: lint typecheck pytest

# The fuzz tests with their long budgets (tests/fuzzing.py): >= 10,000 bad scenario inputs and
# >= 1,000 bad ledger inputs, fresh random examples each run.
fuzz: $(VENV)/.installed-test
	url=$$(scripts/postgres.sh) && CHIKUDEN_FUZZ=1 CHIKUDEN_TEST_PG_URL="$$url" \
		$(BIN)/python -m pytest -q -n 2 -m fuzz --hypothesis-show-statistics

bench: $(VENV)/.installed-test
	chromium=$$(scripts/chromium.sh) && CHIKUDEN_CHROMIUM="$$chromium" $(BIN)/python benchmarks/run.py

# Re-extract the messages of the code and templates into src/chikuden/locale/chikuden.pot, merge
# them into each language's .po (new ones untranslated) and compile the .mo the CLI loads.
translations: $(VENV)/.installed-test
	$(BIN)/python -m chikuden.translations

# Build the Dockerfile's image and check it serves the desk (needs docker; not part of `test`).
docker-smoke:
	scripts/docker-smoke.sh

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
