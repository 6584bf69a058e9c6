# Each target creates .venv when missing and installs with the verified
# constraints (constraints.txt); re-installs only when setup.cfg or the
# constraints change.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: demo test docs test-nengo test-loihi-fast bench bench-loihi bench-emulator bench-build bench-digits-memory bench-analog bench-window bench-long-window bench-nir bench-training bench-conversion study train convert train-psfmnist fashion-mnist install-dl install-nir test-nir clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q --upgrade "pip>=23.1"

$(VENV)/.installed-core: $(PY) setup.cfg constraints.txt
	$(PIP) -e ".[loihi]"
	touch $@

$(VENV)/.installed-tests: $(PY) setup.cfg constraints.txt
	$(PIP) -e ".[tests]"
	touch $@ $(VENV)/.installed-core

demo: $(VENV)/.installed-core
	$(VENV)/bin/nengo-lmu demo

# our tests (with the dl extra, so training is tested too), then nengo's own
# test suite on the analog backend (nengo-tests.ini), then the NIR export in
# snnTorch (its own venv, see below)
test: $(VENV)/.installed-dl
	$(PY) -m pytest -ra
	$(MAKE) docs
	$(PY) -m pytest -c nengo-tests.ini --pyargs nengo -q -rs
	$(MAKE) test-nir

test-nengo: $(VENV)/.installed-tests
	$(PY) -m pytest -c nengo-tests.ini --pyargs nengo -q -rs

# nengo-loihi 1.1's own tests that take its Simulator fixture, on the fast
# emulator (nengo-loihi-tests.ini; nengo_lmu/loihi_suite.py)
test-loihi-fast: $(VENV)/.installed-tests
	$(PY) -m pytest -c nengo-loihi-tests.ini --pyargs nengo_loihi -q -rs

bench: $(VENV)/.installed-core
	$(PY) benchmarks/bench_memory.py

bench-loihi: $(VENV)/.installed-core
	$(PY) benchmarks/bench_loihi.py

# the fast Loihi emulator against nengo-loihi's and nengo's reference
# simulator (about 15 minutes on 2 cores; --only 6:1200,24:1200 for a part)
bench-emulator: $(VENV)/.installed-core
	$(PY) benchmarks/bench_emulator.py

# building a Loihi memory for the chip: nengo-loihi's builder against ours
# (hardware/loihi/build.py), and the largest order-64 memory that fits
bench-build: $(VENV)/.installed-core
	$(PY) benchmarks/bench_build.py

# the permuted-digits network's Loihi memory (d = 24 and 64) on the fast
# emulator against the same network on the reference simulator
bench-digits-memory: $(VENV)/.installed-core
	$(PY) benchmarks/bench_digits_memory.py

bench-analog: $(VENV)/.installed-core
	$(PY) benchmarks/bench_analog.py

# window mean, RMS and max (d = 6, theta = 1 s; reference and Loihi emulator)
bench-window: $(VENV)/.installed-core
	$(PY) benchmarks/bench_window.py

# windows of 10^3-10^5 steps: ideal memory against d, spiking memory against theta
bench-long-window: $(VENV)/.installed-core
	$(PY) benchmarks/bench_long_window.py

# the error-scaling study (about 6.5 minutes on 2 cores); rerunning resumes it
study: $(VENV)/.installed-core
	$(VENV)/bin/nengo-lmu sweep --study default --out study-results --resume --report

# the documentation (docs/, Sphinx with numpydoc, nbsphinx and MyST) in
# docs/_build/html, warnings as errors; it executes every notebook in its small
# setting (NENGO_LMU_QUICK=1), so it needs the dl and tests extras too.
# NENGO_LMU_DOCS_EXECUTE=never renders the notebooks without outputs (faster).
$(VENV)/.installed-docs: $(VENV)/.installed-dl setup.cfg constraints.txt
	$(PIP) -e ".[docs]"
	touch $@

docs: $(VENV)/.installed-docs
	$(PY) -m sphinx -b html -E -W --keep-going docs docs/_build/html

# nengo-dl 3.6.0 ships only an sdist whose setup.py requires `tensorflow`
# unless tensorflow-cpu is already installed when it is built, and imports
# pkg_resources (setuptools < 70): install those first, build without isolation.
$(VENV)/.installed-dl: $(VENV)/.installed-tests
	$(PIP) "setuptools<70" tensorflow-cpu
	$(PIP) --no-build-isolation -e ".[dl,tests]"
	touch $@

install-dl: $(VENV)/.installed-dl

# train the LMU on permuted digits with nengo-dl, then score it with rates,
# spikes and on the Loihi emulator (rerunning resumes); TASK=mackey-glass too
TASK ?= digits
train: $(VENV)/.installed-dl
	$(VENV)/bin/nengo-lmu train --task $(TASK) --out train-results/$(TASK)

# the network `make train` trained, scored at each step of its conversion
# (ideal rates, neural rates, spikes on the reference, Loihi emulator, analog)
convert: $(VENV)/.installed-dl
	$(VENV)/bin/nengo-lmu convert --out train-results/$(TASK)

# what makes spikes track rates (synapse fine-tuned with, memory neurons, rate
# scale, time scale) on permuted digits at d = 24, and every stage's table
bench-conversion: $(VENV)/.installed-dl
	$(PY) benchmarks/bench_conversion.py

# The nir extra (snnTorch, nirtorch, a CPU build of PyTorch) lives in a venv of
# its own: torch 2.13 needs typing-extensions >= 4.10 and setuptools >= 77, which
# the dl extra's TensorFlow 2.12 (typing-extensions < 4.6) and the tests extra
# (setuptools < 70, for nengo-dl's build and nengo's test suite) exclude. Its
# constraints are constraints.txt less those two pins, plus constraints-nir.txt.
# torch==2.13.0 is the CPU wheel of the local wheel index: never ask for an
# unpinned torch, which would download a multi-GB CUDA build.
NIR_VENV ?= .venv-nir
NIR_PY := $(NIR_VENV)/bin/python

$(NIR_VENV)/.installed-nir: setup.cfg constraints.txt constraints-nir.txt
	test -x $(NIR_PY) || $(PYTHON) -m venv $(NIR_VENV)
	$(NIR_PY) -m pip install --disable-pip-version-check -q --upgrade "pip>=23.1"
	grep -v -i -E '^(typing[-_]extensions|setuptools)==' constraints.txt > $(NIR_VENV)/constraints.txt
	cat constraints-nir.txt >> $(NIR_VENV)/constraints.txt
	$(NIR_PY) -m pip install --disable-pip-version-check -q -c $(NIR_VENV)/constraints.txt \
		"torch==2.13.0+cpu" -e ".[nir]" "pytest>=7,<9" pytest-allclose pytest-plt pytest-rng
	touch $@

install-nir: $(NIR_VENV)/.installed-nir

# the NIR export's tests, snnTorch's included
test-nir: $(NIR_VENV)/.installed-nir
	$(NIR_PY) -m pytest -ra tests/export nengo_lmu/export

# the exported memory in nengo, NumPy and snnTorch: d = 3, 6, 12, three seeds;
# then a digits network trained in parallel (order-12 memory of 1,200 neurons,
# 50 units; main venv, TensorFlow), made export-ready (slowed down 8 times:
# theta / order >= 0.08 s, so that LIF neurons without a voltage floor hold
# the memory; synapses added) and scored on 100 test digits with nengo's
# spiking neurons, with NIR's neurons in nengo, and exported in NumPy and
# snnTorch, nengo's own memory exported (factored through its decoders);
# before it, the quick setting with an order-6 memory of 600 neurons
# trained with nengo-dl and exported as trained, with what the hidden layer's
# voltage floor is worth; --ablation on the export-ready one also scores it in
# nengo with the other memory the export takes (a LoihiLegendreMemory)
NIR_TRAIN_ARGS ?= --quick --units 50 --order 6 --n-neurons 600
NIR_PARALLEL_ARGS ?= --parallel --units 50 --order 12 --n-neurons 1200
NIR_SCORE_ARGS ?= --export-ready --ablation --n-test 100
bench-nir: $(NIR_VENV)/.installed-nir $(VENV)/.installed-dl
	$(NIR_PY) benchmarks/bench_nir.py
	$(PY) benchmarks/bench_nir_network.py train $(NIR_TRAIN_ARGS) --out bench-results/nir-digits.npz
	$(NIR_PY) benchmarks/bench_nir_network.py score bench-results/nir-digits.npz --quick --ablation
	$(PY) benchmarks/bench_nir_network.py train $(NIR_PARALLEL_ARGS) --out bench-results/nir-digits-parallel.npz
	$(NIR_PY) benchmarks/bench_nir_network.py score bench-results/nir-digits-parallel.npz $(NIR_SCORE_ARGS)

clean:
	rm -rf $(VENV) $(NIR_VENV) plots lmu-demo bench-results study-results analog-results train-results psfmnist-results \
		docs/_build docs/notebooks

# Fashion-MNIST's IDX files from Debian's dataset-fashion-mnist package
# (/usr/share/datasets/fashion-mnist); skipped, with a message, without apt
FASHION_MNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
fashion-mnist:
	@if [ -e $(FASHION_MNIST) ]; then echo "fashion-mnist: installed"; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "fashion-mnist: skipped (no apt-get here; install Debian's dataset-fashion-mnist or pass its folder to tasks.load_psfmnist)"; \
	else SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq dataset-fashion-mnist; fi

# permuted sequential Fashion-MNIST, sized to fit one session (5,000 training
# sequences, 2 epochs): rates on all 10,000 test sequences, the conversion
# (ideal, neural rates, spikes on the reference) on the first 200
train-psfmnist: fashion-mnist $(VENV)/.installed-dl
	@if [ -e $(FASHION_MNIST) ]; then $(VENV)/bin/nengo-lmu train --task psfmnist --out psfmnist-results; \
	else echo "train-psfmnist: skipped (Fashion-MNIST is not installed)"; fi

# seconds per epoch of parallel training against keras-lmu 0.7.0 (if installed
# into KERAS_LMU_SITE, never into the venv), and Mackey-Glass LMU vs LSTM
KERAS_LMU_SITE ?= klmu-site
bench-training: $(VENV)/.installed-dl
	$(PY) benchmarks/bench_training.py speed --keras-lmu-site $(KERAS_LMU_SITE)
	$(PY) benchmarks/bench_training.py mackey-glass --units 22 --seeds 0 1 2 \
		--epochs 20 --n-steps 1000 --batch-size 4 --learning-rate 1e-2 \
		--activation relu --memory-kernel-scale 0.3 --bias-init 0.1
	$(PY) benchmarks/bench_training.py digits --seeds 0 1 2
