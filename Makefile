# Quick start: `make demo` (main job) and `make test` (whole suite); `make bench` (docs/performance.md rows);
# `make notebooks` renders notebooks/*.ipynb in place (full settings), `make notebooks-clear` strips them again.
# Each target creates .venv when missing and installs the project into it from the package registry:
# `make demo` the runtime dependencies only, `make test` (and the targets below) also the test and docs tools.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.installed-test-stamp

.PHONY: install install-test demo test bench notebooks notebooks-clear clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# runtime dependencies (pyproject.toml [project] dependencies)
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $(STAMP)

# ... and the test extra (pytest, notebook runner, the docs build)
$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP) $(TEST_STAMP)

install: $(STAMP)

install-test: $(TEST_STAMP)

demo: install
	$(PY) -m proofs_check

# The suite in TEST_WORKERS processes (pytest-xdist; files are not split, so a module's fixtures
# are built once); TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2

test: install-test
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: install-test
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m benchmarks

# Executes every notebook in place with full settings (outputs kept, to read them rendered).
# Committed notebooks carry no outputs (a test checks it): run `make notebooks-clear` before committing.
notebooks: install-test
	$(PY) notebooks/execute.py --inplace

notebooks-clear: install-test
	$(PY) notebooks/execute.py --clear

clean:
	rm -rf $(VENV) build *.egg-info

# The documentation site (docs/): HTML in docs/_build/html, every warning an error, broken references included;
# the notebooks are executed at build time (cached: a notebook re-runs only when its code changes).
.PHONY: docs
docs: install-test
	$(PY) -m pip install --quiet -e '.[test,docs]'
	DOCS_NB_EXECUTION=cache $(PY) -m sphinx -b html -W --keep-going -n docs docs/_build/html
