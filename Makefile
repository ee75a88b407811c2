# minqing — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck check messages screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/minqing setup-demo
	$(BIN)/minqing serve 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check minqing bench
	$(BIN)/ruff format --check minqing bench

typecheck: $(STAMP)
	$(BIN)/mypy minqing

check: lint typecheck test

messages: $(STAMP)
	cd minqing && ../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete \
		--ignore="*/tests/*" --ignore=conftest.py --settings=minqing.settings --pythonpath=..
	cd minqing && ../$(BIN)/django-admin compilemessages --settings=minqing.settings --pythonpath=..

# The user guide's screenshots (docs/screenshots/), from a fresh demo district in Chromium.
screenshots: $(STAMP)
	MINQING_VAR_DIR=$$(mktemp -d) $(BIN)/minqing screenshots $(SCREENSHOT_ARGS)

clean:
	rm -rf $(VENV) var
