# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates .venv on first use, so nothing else needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint layers typecheck bench clean lock audit

# The exact versions of requirements.lock, each checked against its hash; then the project
# itself, whose dependencies the lock already holds.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	# An editable install leaves the sources uncompiled, and a shell whose environment says
	# PYTHONDONTWRITEBYTECODE would compile them again at every command (about 50 ms).
	$(BIN)/python -m compileall -q socialdesk
	touch $(STAMP)

# requirements.lock from pyproject.toml's bounds (the newest versions inside them), with hashes.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header --quiet -o requirements.lock

# No locked version that security/advisories.json names (offline).
audit: $(STAMP)
	$(BIN)/python .ci/audit_deps.py

demo: $(STAMP)
	$(BIN)/socialdesk demo

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP) layers
	$(BIN)/ruff check .
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

bench: $(STAMP)
	for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) var/*.db var/*.db-*
