# Two commands set everything up on a fresh machine:  make run   and   make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

.PHONY: run test test-fast lint bench soak demo clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@ $(VENV)/.installed-run

## make run: install into .venv, create or migrate the SQLite database (INSATS_DATA_DIR, else the user data
## folder, e.g. ~/.local/share/insats), add the synthetic demo
## cohort when it holds no cases, start the app
run: $(VENV)/.installed-run
	$(BIN)/insats serve --demo-if-empty --port $(PORT)

## make test: install with test extras, lint, run the whole suite
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile

## make test-fast: the inner loop while working (< 90 s on 2 cores): no browser, no PostgreSQL, no soak, nothing
## marked slow. `make test` still runs everything, and CI runs `make test`.
test-fast: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2 -m "not browser and not pg and not soak and not slow" --durations=5

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

## make bench: speed and memory figures, as ratios against a naive baseline in the same run
## make bench soak: only the soak (20 users for 10 minutes on SQLite, then on PostgreSQL, against 4 app servers;
##   SOAK_MINUTES, SOAK_SERVERS, SOAK_DRIVER=server|apptest)
bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks $(filter soak,$(MAKECMDGOALS))

soak: $(VENV)/.installed-test
ifeq ($(filter bench,$(MAKECMDGOALS)),)
	$(BIN)/python -m benchmarks soak
endif

## make translations: after changing UI strings. The Swedish catalogue is the source: add a new message
## id there, then this merges it into the English one (empty, for the translator), lists the ids the code
## uses (forms/locale/insats.pot) and compiles both to check them. tests/test_translations.py fails on any
## id the code uses that a catalogue lacks.
translations: $(VENV)/.installed-run
	$(BIN)/pybabel extract -F babel.cfg -k tr -k tr_or --no-default-keywords --sort-output -o forms/locale/insats.pot app.py forms cli
	$(BIN)/pybabel update -i forms/locale/sv/LC_MESSAGES/insats.po -d forms/locale -l en -D insats --no-fuzzy-matching -w 100
	$(BIN)/pybabel compile -d forms/locale -D insats --statistics

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
