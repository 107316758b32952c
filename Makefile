# Two commands: `make run` (the app with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: run test lint fmt migrate seed clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

# A strong random sign-in cookie key, made once per checkout and never committed.
.streamlit/secrets.toml:
	@$(PYTHON) -c "import secrets; print('[auth]\ncookie_key = \"' + secrets.token_urlsafe(48) + '\"')" > $@
	@chmod 600 $@
	@echo "Wrote a new sign-in cookie key to $@"

migrate: $(STAMP)
	$(BIN)/python -m db upgrade

seed: migrate
	$(BIN)/python -m db seed --demo --if-empty

run: seed .streamlit/secrets.toml
	@$(BIN)/python -m db demo-signins
	@echo "Open http://$(HOST):$(PORT)"
	$(BIN)/streamlit run app.py --server.address $(HOST) --server.port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts

# The benchmark (issue 7): seeds or reuses data/bench-$(BENCH_SCALE).db, and PostgreSQL when
# BENCH_DATABASE_URL or TEST_DATABASE_URL is set; writes bench/results.json and bench/results.md.
# `make bench BENCH_SCALE=small` for a quick run; BENCH_ARGS="--only engagement" and so on.
BENCH_SCALE ?= medium
.PHONY: bench
bench: $(STAMP)
	@$(BIN)/python -c "import duckdb" 2>/dev/null || $(BIN)/python -m pip install -q -e ".[bench]"
	$(BIN)/python -m bench.run --scale $(BENCH_SCALE) $(BENCH_ARGS)

# Issue 8's slow parts against a real server (README, "Soak"): 100 sessions with think time and
# a closed loop through bench/load.py, then the full-size vote race. SOAK_URL picks the database.
SOAK_URL ?= sqlite:///data/soak.db
.PHONY: soak
soak: $(STAMP)
	$(BIN)/python -m pip install -q -e ".[dev,bench]"
	$(BIN)/python -m bench.soak --url "$(SOAK_URL)"
	VOTE_OPERATIONS=200 $(BIN)/python -m pytest -q -p no:randomly tests/test_concurrency.py
