# techroles — the two set-up commands are `make demo` and `make test`; both
# install what they need themselves (Debian packages, a virtualenv in the
# checkout, the package) on a fresh Debian machine, as root.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
# Debian packages: MediaWiki on sqlite served by `php -S` (php-cgi and
# mini-httpd satisfy mediawiki's web-server dependency without apache),
# and Chromium for the headless browser test.
APT_PACKAGES := mediawiki php-cli php-sqlite3 php-intl php-mbstring php-xml php-apcu \
                php-cgi mini-httpd make python3-venv chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: help setup apt venv test unit integration slow lint demo stop bench clean

help:
	@echo "make demo   start the local wikis, seed demo tables, run the bot, print URLs"
	@echo "make stop   stop the demo wikis"
	@echo "make test   every test lane but bench (unit, integration, slow)"
	@echo "make bench  the benchmarks (activity requests, table speed)"
	@echo "make lint   ruff"

setup: apt venv

apt: .testbed/apt.done
.testbed/apt.done:
	@mkdir -p .testbed
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	    | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "Installing Debian packages: $$missing"; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	        $$missing >/dev/null || exit 1; \
	fi
	@php -r 'exit(0);' && test -f /usr/share/mediawiki/maintenance/install.php
	@touch $@

venv: $(VENV)/.installed
# Every version comes from constraints.txt (the build backend too): the same
# packages any day. Runtime requirements stay ranges in setup.cfg.
$(VENV)/.installed: setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(PIP) install -q --upgrade pip >/dev/null 2>&1 || true
	PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(PIP) install -q -e '.[test,data]'
	@touch $@

# The two lanes run side by side (two cores): the pure lanes (unit, and the slow
# property tests) while the integration lane waits on the local wikis.
test: setup
	@mkdir -p .testbed
	@$(PY) -m pytest -m 'not integration and not bench' $(PYTEST_ARGS) \
	    > .testbed/unit-lane.log 2>&1 & pure=$$!; \
	$(PY) -m pytest -m 'integration and not bench' --durations=10 $(PYTEST_ARGS); wiki=$$?; \
	wait $$pure; pure_status=$$?; \
	echo; echo '== the pure lanes (unit, slow), run alongside =='; cat .testbed/unit-lane.log; \
	exit $$(( wiki || pure_status ))

unit: venv
	$(PY) -m pytest -m 'unit and not slow' $(PYTEST_ARGS)

integration: setup
	$(PY) -m pytest -m integration $(PYTEST_ARGS)

slow: venv
	TECHROLES_SLOW_EXAMPLES=10000 $(PY) -m pytest -m slow $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check techroles tests scripts testbed benchmarks tools

demo: setup
	$(PY) -m testbed.demo start

stop:
	@if [ -x $(PY) ]; then $(PY) -m testbed.demo stop; \
	else echo "nothing to stop"; fi

bench: setup
	$(VENV)/bin/techroles bench $(BENCH_ARGS)
	$(PY) -m benchmarks.tablebench

clean: stop
	rm -rf .testbed $(VENV) *.egg-info .pytest_cache .hypothesis
