# The two set-up commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint bench install clean screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	$(BIN)/jzcredit init
	$(BIN)/jzcredit demo --if-empty --companies 40 --workers 400 --seed 1
	$(BIN)/jzcredit --json evaluate --all > /dev/null
	$(BIN)/jzcredit --json lists propose > /dev/null
	$(BIN)/jzcredit serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n auto --dist loadfile

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var/*.db var/*.db-* .pytest_cache .mypy_cache .ruff_cache

# photographs of the main pages for the README, in Debian's Chromium as a 375 px phone
screenshots: install
	$(BIN)/python -m tests.web.screenshots
