# lbopt — `make demo` and `make test` work on a fresh machine: each creates .venv and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-dev
DEMO   ?= demo

.PHONY: setup demo test test-all lint format bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

DOCS_STAMP = $(VENV)/.installed-docs
$(DOCS_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	touch $(DOCS_STAMP)

# The main job: a HetNet scenario (users start on the macro layer), users attached to the strongest cell,
# cell loads and metrics, result.json + CSV tables, and an HTML report.
demo: setup
	$(BIN)/lbopt generate hetnet --seed 7 --serving macro-only --out $(DEMO)/hetnet37.yaml
	$(BIN)/lbopt check $(DEMO)/hetnet37.yaml
	$(BIN)/lbopt solve $(DEMO)/hetnet37.yaml --method max-rsrp --out $(DEMO)/max-rsrp
	$(BIN)/lbopt report $(DEMO)/max-rsrp
	$(BIN)/lbopt compare $(DEMO)/hetnet37.yaml --methods oslb,mlb,chain,none,ua-opt --integral --out $(DEMO)/compare
	$(BIN)/lbopt report $(DEMO)/compare
	$(BIN)/lbopt generate vgala --seed 7 --out $(DEMO)/vgala.yaml
	$(BIN)/lbopt compare $(DEMO)/vgala.yaml --methods vgala,vgala-opt,la,ga,max-rate,cre-la,cre-ga,cre-lg --out $(DEMO)/vgala-compare
	$(BIN)/lbopt report $(DEMO)/vgala-compare/vgala
	$(BIN)/lbopt report $(DEMO)/vgala-compare
	$(BIN)/lbopt generate zou16 --users 300 --out $(DEMO)/zou16.yaml
	$(BIN)/lbopt validate $(DEMO)/zou16.yaml --out $(DEMO)/zou16-validate
	$(BIN)/lbopt report $(DEMO)/zou16-validate
	$(BIN)/lbopt solve $(DEMO)/zou16.yaml --method zou-greedy --steps 100 --out $(DEMO)/zou16-greedy
	$(BIN)/lbopt report $(DEMO)/zou16-greedy
	$(BIN)/lbopt generate breathing --seed 7 --out $(DEMO)/breathing.yaml
	$(BIN)/lbopt solve $(DEMO)/breathing.yaml --method bdba --out $(DEMO)/bdba
	$(BIN)/lbopt report $(DEMO)/bdba

test: setup
	$(BIN)/python -m pytest -q

test-all: setup
	$(BIN)/python -m pytest -q -m "slow or not slow"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python benchmarks/bench_radio.py
	$(BIN)/python benchmarks/bench_oslb.py
	$(BIN)/python benchmarks/bench_vgala.py
	$(BIN)/python benchmarks/bench_spectrum.py
	$(BIN)/python benchmarks/bench_zou.py
	$(BIN)/python benchmarks/bench_breathing.py
	$(BIN)/python benchmarks/bench_ua_opt.py
	$(BIN)/python benchmarks/bench_city.py

# The documentation site: docs/_build/html/index.html. Warnings are errors; the tutorials execute.
docs: $(DOCS_STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html -j 1 docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache .hypothesis docs/_build docs/_generated docs/jupyter_execute
