# The two commands a newcomer needs: `make run` and `make test`. Everything else is for contributors.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock libs/*/pyproject.toml services/*/pyproject.toml | cksum | cut -d' ' -f1)
PACKAGES := -e libs/contracts -e libs/runtime -e services/sourcing -e services/enrichment -e services/validation -e services/warmup -e services/outreach -e services/gateway

.PHONY: install run test test-fast lint typecheck asyncapi bench lock k8s clean

$(STAMP):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is required (set PYTHON=python3.11)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps $(PACKAGES)
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

## The whole system on embedded NATS and Postgres (or NATS_URL / DATABASE_URL), gateway on :8000.
run: install
	$(BIN)/python -m ra_runtime.launcher

## The full test suite (real NATS, Postgres, processes).
test: install
	$(BIN)/python -m pytest

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
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
