# Two commands matter: `make run` (the demo app) and `make test` (the whole test suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
# Two install stamps: `make run` installs the package and what the app needs only; `make test`
# (and bench) add the test and benchmark extras (spaCy, statsmodels, scikit-learn, ...) on top.
HASH   := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STAMP  := $(VENV)/.installed-app-$(HASH)
TEST_STAMP := $(VENV)/.installed-test-$(HASH)

.PHONY: run test test-sqlite test-postgresql system-deps bench lint clean

# The venv is made without its own pip when the host's pip can install into it (pip >= 22.3,
# --python): ensurepip unpacking pip and setuptools into a new venv takes 20-30 s on a busy
# machine, a venv without them one second. Without a usable host pip the venv gets its own.
HOST_PIP := $(shell $(PYTHON) -m pip --help 2>/dev/null | grep -q -- '--python <python>' && echo yes)
ifeq ($(HOST_PIP),yes)
PIP    := $(PYTHON) -m pip --python $(BIN)/python
VENV_FLAGS := --without-pip
else
PIP    := $(BIN)/python -m pip
VENV_FLAGS :=
endif

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV_FLAGS) $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -e .
	rm -f $(VENV)/.installed-app-* && touch $@

$(TEST_STAMP): $(STAMP)
	$(PIP) install --quiet --disable-pip-version-check -e ".[test,bench]"
	rm -f $(VENV)/.installed-test-* && touch $@

## run: create the venv, migrate the SQLite database, load the demo, serve on 127.0.0.1:$(PORT)
## with a background-job worker beside it (stopped with the server: Ctrl-C stops both)
run: $(STAMP)
	$(BIN)/annotator init-db
	$(BIN)/annotator load-demo --url http://127.0.0.1:$(PORT)
	$(BIN)/annotator worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT HUP INT TERM; \
	$(BIN)/annotator run --host 127.0.0.1 --port $(PORT)

## system-deps: Chromium, PostgreSQL and Redis from Debian when missing (needs root, as in CI)
system-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	test -x /usr/bin/redis-server || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

## test: the whole suite on SQLite, then again on a throwaway PostgreSQL server
test: system-deps $(TEST_STAMP)
	$(BIN)/python -m pytest -q
	ANNOTATOR_TEST_DB=postgresql $(BIN)/python -m pytest -q -m "not browser"

test-sqlite: $(TEST_STAMP)
	$(BIN)/python -m pytest -q

test-postgresql: system-deps $(TEST_STAMP)
	ANNOTATOR_TEST_DB=postgresql $(BIN)/python -m pytest -q -m "not browser"

## bench: every benchmark script (results go to docs/benchmarks.md by hand)
bench: $(TEST_STAMP)
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
