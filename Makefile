# The two commands the README promises: `make demo` and `make test`.
# Each builds the virtual environment from nothing the first time.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lint clean provision

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/phone-audit --demo

lint: $(STAMP)
	$(BIN)/lint-imports

# The Debian tools the tests use (scripts/debian-packages.txt): installs the missing
# ones with apt-get when it can, or stops and prints the command to run.
provision:
	scripts/provision-debian

# pytest lists every skip and xfail with its reason (-rsx in pyproject.toml); under CI=true
# any of them fails the run (tests/support/skip_guard.py).
test: provision $(STAMP) lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV)
