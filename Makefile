# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Constraints pin every package, build back-ends included, so CI installs what we tested.
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install demo test lint typecheck dist clean

$(BIN)/.installed: pyproject.toml plugins/sspr/pyproject.toml plugins/pwage/pyproject.toml plugins/integratedapps/pyproject.toml plugins/conditionalaccess/pyproject.toml plugins/adminroles/pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "scorekeeper needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	@# a venv made before the distributions were renamed to scorekeeper-m365* keeps the old entry points
	$(BIN)/python -m pip uninstall -q -y scorekeeper scorekeeper-sspr scorekeeper-pwage 2>/dev/null || true
	$(BIN)/python -m pip install -q -e '.[dev]' -e plugins/sspr -e plugins/pwage -e plugins/integratedapps -e plugins/conditionalaccess -e plugins/adminroles
	@touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/scorekeeper demo

# ruff, then the import layers (pyproject.toml [tool.importlinter]): an upward import fails here.
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# mypy over the core and the shipped plugin packages; what it checks is set in pyproject.toml [tool.mypy].
typecheck: install
	$(BIN)/mypy

# pytest-xdist runs the tests on every core, each worker with a PostgreSQL server of its own
# (tests/conftest.py); `make test PYTEST_WORKERS=0` runs them in one process, in order.
PYTEST_WORKERS ?= auto
test: lint typecheck
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist worksteal

# Wheels and sdists of the core (distribution scorekeeper-m365) and every shipped plugin, built
# offline with the pinned hatchling; tests/kit/test_dist.py installs them into a fresh venv.
DIST ?= dist
PROJECTS := . $(sort $(dir $(wildcard plugins/*/pyproject.toml)))
dist: install
	rm -rf $(DIST) && mkdir -p $(DIST)
	for p in $(PROJECTS); do (cd $$p && $(abspath $(BIN))/hatchling build -t wheel -t sdist -d $(abspath $(DIST))) || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache dist
