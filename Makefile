# Two commands: `make run` and `make test`. Each sets up .venv first when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= demo/cocode-demo.db
PORT ?= 8501
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test setup demo bench clean

setup: $(STAMP)

# torch first, pinned: the CPU build of 2.13.0 lies on disk here; an unpinned torch pulls a multi-GB CUDA build.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cocode --db $(DEMO_DB) demo

run: demo
	COCODE_DB=$(DEMO_DB) $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --browser.gatherUsageStats false

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo/cocode-demo.db* tests/artifacts .pytest_cache
