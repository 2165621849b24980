# Two commands for a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The sys.version of the Python that made .venv. Rewritten only when that changes, so
# the venv is rebuilt when PYTHON names another Python, and left alone otherwise.
BUILT_WITH := $(VENV)/.python

.PHONY: demo test lint bench bench-floor bench-first-start bench-stats bench-delivery powerloss run clean FORCE

$(BUILT_WITH): FORCE
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "Perezvon needs Python 3.11 or newer; PYTHON=$(PYTHON) is" \
	    "$$($(PYTHON) --version 2>&1 || echo 'not found')."; \
	  echo "Name a newer one, e.g.: make $(MAKECMDGOALS) PYTHON=python3.12"; \
	  exit 1; }
	@want="$$($(PYTHON) -c 'import sys; print(sys.version)')"; \
	have="$$($(BIN)/python -c 'import sys; print(sys.version)' 2>/dev/null)"; \
	if [ -d $(VENV) ] && [ "$$have" != "$$want" ]; then \
	  echo "$(VENV) was made with another Python ($${have:-none}); rebuilding it with $(PYTHON)"; \
	  rm -rf $(VENV); \
	fi; \
	mkdir -p $(VENV); \
	[ "$$(cat $@ 2>/dev/null)" = "$$want" ] || printf '%s\n' "$$want" > $@

$(STAMP): pyproject.toml $(BUILT_WITH)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/perezvon demo $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check bot watcher tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot watcher tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py $(ARGS)

# The floor under an import's speed: SQLite alone and the least Python work per row, as
# shares of dbfread's time on one 1M-row file (--rows 300000: quicker; about 1 GB of RAM).
bench-floor: $(STAMP)
	$(BIN)/python benchmarks/import_floor.py $(ARGS)

# How soon a new call is posted on a first start on a 1M-row file (--rows 200000: quicker).
bench-first-start: $(STAMP)
	$(BIN)/python benchmarks/first_start.py $(ARGS)

# /stats, the workbook and the bot's responsiveness on a 1M-call ledger (cached in benchmarks/out).
bench-stats: $(STAMP)
	$(BIN)/python benchmarks/stats.py $(ARGS)

# A burst to one chat against Telegram's limits, idle CPU (native events vs polling) and
# a slow spell's copies per case, as ratios; ARGS=--quick for a shorter run.
bench-delivery: $(STAMP)
	$(BIN)/python benchmarks/delivery.py $(ARGS)

# Power cuts with LazyFS over the ledger's folder (root, FUSE); not part of `make test`.
LAZYFS_TOOL ?= ../shared/tools/lazyfs
LAZYFS_BUILD ?= /tmp/lazyfs-build
LAZYFS := $(LAZYFS_BUILD)/src/lazyfs/build/lazyfs

powerloss: $(STAMP)
	test -x $(LAZYFS) || LAZYFS_BUILD=$(LAZYFS_BUILD) bash $(LAZYFS_TOOL)/build.sh
	$(BIN)/python benchmarks/powerloss.py --lazyfs $(LAZYFS) $(ARGS)

run: $(STAMP)
	$(BIN)/perezvon run

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
