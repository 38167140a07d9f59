# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL

.PHONY: demo test test-sqlite test-postgres lint bench messages install clean-demo

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## make demo: install, migrate SQLite, load the demo city and users, serve on 127.0.0.1:8000
demo: $(VENV)/.installed
	$(BIN)/civicgrid migrate --noinput
	$(BIN)/civicgrid demo load
	DEBUG=1 $(BIN)/civicgrid runserver 127.0.0.1:8000

## make test: the whole suite on SQLite, then on PostgreSQL when one answers
test: $(VENV)/.installed
	bash scripts/test.sh

lint: $(VENV)/.installed
	$(BIN)/ruff check .

bench: $(VENV)/.installed
	$(BIN)/civicgrid bench

messages: $(VENV)/.installed
	cd civicgrid && ../$(BIN)/civicgrid makemessages -l en --no-obsolete && ../$(BIN)/civicgrid compilemessages -l en

clean-demo:
	rm -f var/civicgrid.sqlite3 var/civicgrid.sqlite3-wal var/civicgrid.sqlite3-shm
