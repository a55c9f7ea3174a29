# Two commands do all set-up on a fresh machine (see README):
#   make run    simulate a session, write NWB, read it back, preprocess, write results/
#   make test   the test suite
# Both create/update the local virtual environment .venv first. torch is pinned to the CPU
# build (constraints.txt) so no CUDA packages are pulled in.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.neurokit-installed

.PHONY: run test bench lint clean

$(STAMP): pyproject.toml constraints.txt requirements-peers-test.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-peers-test.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/neurokit run --out results

test: $(STAMP)
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MPLBACKEND=Agg $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bench]"
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-peers-bench.txt
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/bench_bin_spikes.py
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/bench_lazy_nwb.py
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/bench_snn.py
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/bench_similarity.py
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/bench_decoding.py
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/bench_latent.py

lint: $(STAMP)
	$(BIN)/ruff check neurokit tests examples analyses benchmarks

clean:
	rm -rf $(VENV) results .pytest_cache
