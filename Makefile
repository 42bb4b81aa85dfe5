# The two commands a newcomer needs: `make run` and `make test`. Everything else is for contributors.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock libs/*/pyproject.toml services/*/pyproject.toml | cksum | cut -d' ' -f1)
PACKAGES := -e libs/contracts -e libs/runtime -e services/sourcing -e services/enrichment -e services/validation -e services/warmup -e services/outreach -e services/gateway

DASHBOARD       := dashboard
DASHBOARD_STAMP := $(DASHBOARD)/node_modules/.installed-$(shell cat $(DASHBOARD)/package-lock.json | cksum | cut -d' ' -f1)
DASHBOARD_SRC   := $(shell find $(DASHBOARD)/src $(DASHBOARD)/public -type f 2>/dev/null) $(DASHBOARD)/index.html $(DASHBOARD)/vite.config.ts $(DASHBOARD)/tsconfig.json

.PHONY: install run test test-fast lint typecheck asyncapi api-types bench lock k8s clean dashboard

$(STAMP):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is required (set PYTHON=python3.11)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps $(PACKAGES)
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

## The dashboard's packages (exact versions from dashboard/package-lock.json; Node 20.19 or newer).
$(DASHBOARD_STAMP): $(DASHBOARD)/package-lock.json
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node.js 20.19 or newer is required for the dashboard"); process.exit(1) }'
	cd $(DASHBOARD) && npm ci --no-audit --no-fund
	@rm -f $(DASHBOARD)/node_modules/.installed-*
	@touch $@

$(DASHBOARD)/dist/index.html: $(DASHBOARD_STAMP) $(DASHBOARD_SRC)
	cd $(DASHBOARD) && npm run build

## The dashboard, built into dashboard/dist (the gateway serves it at /).
dashboard: $(DASHBOARD)/dist/index.html

## The whole system on embedded NATS and Postgres (or NATS_URL / DATABASE_URL), gateway on :8000.
run: install dashboard
	$(BIN)/python -m ra_runtime.launcher

## The full test suite: services (real NATS, Postgres, processes), the dashboard's component tests, and
## the browser tests (Chromium, driven by playwright-core) against the whole system.
test: install $(DASHBOARD_STAMP)
	$(BIN)/python -m pytest
	cd $(DASHBOARD) && npm run typecheck && npm test && npm run e2e

test-fast: install
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check libs services tests bench
	$(BIN)/ruff format --check libs services tests bench

typecheck: install
	$(BIN)/mypy libs/contracts/src libs/runtime/src services/sourcing/src services/enrichment/src services/validation/src services/warmup/src services/outreach/src services/gateway/src

## AsyncAPI documents of every service, into docs/asyncapi/.
asyncapi: install
	$(BIN)/python -m ra_contracts.asyncapi docs/asyncapi

## After a route change: the OpenAPI document and the dashboard's typed client generated from it.
api-types: install $(DASHBOARD_STAMP)
	$(BIN)/python -m ra_gateway.openapi $(DASHBOARD)/openapi.json
	cd $(DASHBOARD) && npm run api:types

## End-to-end pipeline benchmark (every service its own process); see bench/README.md.
bench: install
	$(BIN)/python bench/pipeline.py

## Re-pin dependencies after editing requirements.in.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile requirements.in -o requirements.lock --python-version 3.11 -q

k8s:
	kubectl kustomize deploy/k8s/overlays/dev

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache $(DASHBOARD)/node_modules $(DASHBOARD)/dist
