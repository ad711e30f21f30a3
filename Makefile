# speechkit — set-up is two commands: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
SK     := $(VENV)/bin/speechkit
STAMP  := $(VENV)/.installed

.PHONY: install demo test eval lint clean-data analyze report bench fingerprints

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (or run: make PYTHON=python3 …)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip >/dev/null
	$(PY) -m pip install -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install speechkit with its dev extras

demo: $(STAMP)  ## run the whole pipeline on the bundled demo corpus
	$(SK) run data/raw --out data/processed --by city,year
	@echo
	@echo "Results: data/processed/*.parquet  —  report: data/processed/report/report.html (+ report.xlsx)"

analyze: $(STAMP)
	$(SK) analyze data/processed

report: $(STAMP)
	$(SK) report data/processed --by city,year

test: $(STAMP)  ## run the test suite
	$(VENV)/bin/pytest -q

lint: $(STAMP)  ## ruff (pyflakes + pycodestyle) and mypy (types of src/speechkit), settings in pyproject.toml
	$(VENV)/bin/ruff check src scripts tests
	$(VENV)/bin/mypy

eval: $(STAMP)  ## score the gold sets, with the peer tools beside speechkit (scripts/eval_*.py)
	$(PY) scripts/eval.py

bench: $(STAMP)  ## speed and memory benchmark (long; writes data/processed/bench.json)
	$(PY) scripts/bench.py

fingerprints: $(STAMP)  ## re-take tests/gold/table_fingerprints.json (only when a change is MEANT to alter results)
	rm -rf .fingerprint-run
	$(SK) clean ../shared/corpus --out .fingerprint-run --no-cache
	$(SK) analyze .fingerprint-run --no-cache
	$(PY) scripts/fingerprint_tables.py .fingerprint-run --write tests/gold/table_fingerprints.json
	rm -rf .fingerprint-run

clean-data:  ## remove generated tables, reports and caches
	rm -rf data/processed/* data/processed/.cache
	@touch data/processed/.gitkeep
