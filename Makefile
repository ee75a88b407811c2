# minqing — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_ADDR ?= 127.0.0.1:8000
# Two stamps: what running needs (`make demo`), and that plus the test and lint tools
# (`make test`, `lint`, `typecheck`); the second implies the first.
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck check messages screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): pyproject.toml | $(BIN)/python
	@echo "Installing minqing and what it needs to run into $(VENV) (the test tools come with make test)…"
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install -e .
	touch $(RUNTIME)

$(DEV): pyproject.toml | $(BIN)/python
	@echo "Installing minqing with its test, lint and type-check tools into $(VENV)…"
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(RUNTIME) $(DEV)

demo: $(RUNTIME)
	$(BIN)/minqing setup-demo
	$(BIN)/minqing serve $(DEMO_ADDR)

test: $(DEV)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV)
	$(BIN)/ruff check minqing bench
	$(BIN)/ruff format --check minqing bench

typecheck: $(DEV)
	$(BIN)/mypy minqing

check: lint typecheck test

messages: $(RUNTIME)
	cd minqing && ../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete \
		--ignore="*/tests/*" --ignore=conftest.py --settings=minqing.settings --pythonpath=..
	cd minqing && ../$(BIN)/django-admin compilemessages --settings=minqing.settings --pythonpath=..

# The user guide's screenshots (docs/screenshots/), from a fresh demo district in Chromium.
screenshots: $(DEV)
	MINQING_VAR_DIR=$$(mktemp -d) $(BIN)/minqing screenshots $(SCREENSHOT_ARGS)

clean:
	rm -rf $(VENV) var
