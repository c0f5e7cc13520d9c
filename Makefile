# Steppe: `make dev` runs the example project, `make test` runs every test.
# Each target sets up what it needs first; `make setup` is idempotent (stamp files).

VENV      ?= .venv
PYTHON    ?= python3
PY        := $(VENV)/bin/python
NODE_DIR  := runners/node
STAMP_PY  := $(VENV)/.steppe-installed
STAMP_JS  := $(NODE_DIR)/node_modules/.steppe-installed
ARGS      ?=

.PHONY: setup dev test test-python test-node test-ruby test-project lint bench bench-quick bench-tools soak clean ruby-check redis-check chromium-check screenshots

setup: $(STAMP_PY) $(STAMP_JS) ruby-check redis-check

$(STAMP_PY): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,redis]'
	touch $@

$(STAMP_JS): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Ruby and its msgpack library come from Debian (ruby, ruby-msgpack), never rubygems.
ruby-check:
	@if ruby -e 'require "msgpack"' >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "Installing Ruby and ruby-msgpack from Debian…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ruby ruby-msgpack >/dev/null; \
	else \
		echo "Ruby with msgpack is missing. Run: sudo apt-get install -y ruby ruby-msgpack" >&2; exit 1; \
	fi

# redis-server comes from Debian too: the Redis backends' tests start their own on a free port.
redis-check:
	@if command -v redis-server >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "Installing redis-server from Debian (the Redis backends' tests)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	else \
		echo "redis-server is missing. Run: sudo apt-get install -y redis-server" >&2; exit 1; \
	fi

# The workbench's browser tests drive Debian's chromium (never a browser Playwright downloads).
chromium-check:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "Installing chromium from Debian (the workbench's browser tests)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "chromium is missing. Run: sudo apt-get install -y chromium" >&2; exit 1; \
	fi

# Runs the browser tests and keeps a screenshot of each workbench view in docs/screenshots.
screenshots: setup chromium-check
	STEPPE_SCREENSHOTS=docs/screenshots $(PY) -m pytest tests/workbench/test_browser.py -q

dev: setup
	$(VENV)/bin/steppe dev --dir . $(ARGS)

test: setup redis-check chromium-check lint test-python test-node test-ruby test-project

test-python: setup chromium-check
	$(PY) -m pytest $(ARGS)

test-node: $(STAMP_JS)
	cd $(NODE_DIR) && npm test --silent

test-ruby: ruby-check
	ruby runners/ruby/test/all.rb

# The example project's own tests (steps/tests), run as a user runs a project's tests.
test-project: setup
	$(PY) -m orchestrator test --dir . steps

lint: $(STAMP_PY)
	$(VENV)/bin/ruff check orchestrator tests runners/python bench
	$(VENV)/bin/ruff format --check orchestrator tests runners/python bench
	$(VENV)/bin/mypy

# The load generator comes from Debian, like Ruby.
bench-tools:
	@if command -v wrk >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else \
		echo "wrk is missing. Run: sudo apt-get install -y wrk" >&2; exit 1; \
	fi

bench: setup bench-tools
	$(PY) -m bench $(ARGS)

bench-quick: setup bench-tools
	$(PY) -m bench --quick $(ARGS)

# Ten minutes of mixed load with a runner killed every 30 s (not part of `make test`).
soak: setup
	$(PY) -m bench.soak $(ARGS)

clean:
	rm -rf $(VENV) $(NODE_DIR)/node_modules .steppe .pytest_cache .mypy_cache .ruff_cache
