# Two commands for a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench powerloss run clean

$(STAMP): pyproject.toml
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
