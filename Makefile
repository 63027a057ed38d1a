# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Constraints pin every package, build back-ends included, so CI installs what we tested.
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install demo test lint clean

$(BIN)/.installed: pyproject.toml plugins/sspr/pyproject.toml plugins/pwage/pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "scorekeeper needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[dev]' -e plugins/sspr -e plugins/pwage
	@touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/scorekeeper demo

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
