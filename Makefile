# Goalpost — the commands. Prerequisites: Python 3.11+, make, git (Node.js for synth/deploy; Chromium for the browser
# tests, which `make test` installs where it can: infra/dev/chromium.py).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CDK_VERSION := 2.1148.1
CDK := .cdk/node_modules/.bin/cdk
ARGS ?=
# jsii silences its Node end-of-life banner only when told the major version it may run on.
NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := $(NODE_MAJOR)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := $(NODE_MAJOR)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := $(NODE_MAJOR)
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: help install chromium web run test verify lint format unit handlers e2e infra bench synth scan deploy diff destroy clean

help:
	@echo "make run      start the whole system locally (ARGS=--demo seeds a demo user)"
	@echo "make test     lint + every test suite"
	@echo "make verify   every test at thorough depth: more fuzzing, examples and race repetitions (~1 h)"
	@echo "make lint     ruff (lint + format check), mypy, and the web app's ESLint and type check"
	@echo "make bench    cold starts, requests per route, jobs, cost model, parse bound, web, soak (< 5 min)"
	@echo "make synth    synthesize the CloudFormation template (no AWS credentials needed)"
	@echo "make scan     cfn-lint (serverless rules), checkov, bandit: each finding left accepted with its reason"
	@echo "make deploy   deploy to the AWS account of your current credentials"

# The virtualenv is (re)built whenever pyproject.toml changes: infra/dev/install.py, step by step with timings
# (uv from PyPI installs the dev group; pip if uv cannot be installed).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Goalpost needs Python 3.11 or newer")'
	@$(PYTHON) -m infra.dev.install $(VENV)
	@touch $(STAMP)

# The browser tests drive the OS's Chromium: installed here (apt-get) where this user may, else how to install it.
chromium:
	@$(PYTHON) -m infra.dev.chromium

install: $(STAMP)

# The web app is built first (only when its sources changed): the server serves web/dist at /app/.
run: $(STAMP) web
	@$(PY) -m infra.local $(ARGS)

lint: $(STAMP) web
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	cd web && npm run --silent lint && npm run --silent typecheck

# The web app (web/dist): npm ci and the build run only when the lockfile or the sources changed (infra/dev/web.py).
web:
	@$(PYTHON) -m infra.dev.web

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Test files are spread over one worker per CPU (each file stays in one worker: its servers and worlds are its own).
PYTEST_PARALLEL := -n auto --dist loadfile

# The web app's own tests (Vitest) first: a few seconds, and they say what broke in a page before a browser test does.
test: lint chromium
	cd web && npm test --silent
	$(PY) -m pytest $(PYTEST_PARALLEL)

# The same tests as `make test`, pushed harder (tests/depth.py): a random fuzzing seed with 200 examples per
# operation, 2,000 Hypothesis examples per property, and many more race and replay repetitions.
verify: lint chromium
	cd web && npm test --silent
	GOALPOST_VERIFY=1 $(PY) -m pytest $(PYTEST_PARALLEL)

unit: $(STAMP)
	$(PY) -m pytest tests/unit

handlers: $(STAMP)
	$(PY) -m pytest tests/handlers

e2e: $(STAMP) web chromium
	$(PY) -m pytest tests/e2e

infra: $(STAMP) web
	$(PY) -m pytest tests/infra

bench: $(STAMP) web
	$(PY) -m tests.bench $(ARGS)

$(CDK):
	@command -v npm >/dev/null || { echo "Node.js/npm is needed for the CDK CLI"; exit 1; }
	npm install --silent --no-fund --no-audit --prefix .cdk aws-cdk@$(CDK_VERSION)

synth: $(STAMP) $(CDK)
	$(CDK) synth --quiet $(ARGS)

# Static analysis, not part of `make test`: the tools in their own venv (.venv-scan: checkov pins packages that
# would fight the dev group's), the template synthesized into cdk.out.scan; infra/dev/scan.py says what fails.
scan: $(STAMP) $(CDK)
	@$(PY) -m infra.dev.scan

diff: $(STAMP) $(CDK)
	$(CDK) diff $(ARGS)

deploy: $(STAMP) $(CDK)
	$(CDK) deploy --require-approval broadening $(ARGS)

destroy: $(STAMP) $(CDK)
	$(CDK) destroy $(ARGS)

clean:
	rm -rf $(VENV) .venv-scan .cache .cdk cdk.out cdk.out.scan .mypy_cache .ruff_cache .pytest_cache .hypothesis
