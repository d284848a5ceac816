# Two entry points (see README): `make demo` runs the main job, `make test` runs the tests.
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	OMP_WAIT_POLICY=PASSIVE $(BIN)/pip install -q -e '.[dev,local]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m service.demo

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/validate.py
