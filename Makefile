# The two commands of the README. Each creates .venv when needed and installs the package into it.
#   make demo   the main job on the embedded default data
#   make test   the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench clean

# -qq: pip prints errors only (no build-backend banners); the echo lines say what is happening.
$(VENV)/.installed: pyproject.toml
	@echo "Setting up $(VENV): autograd-lite with its test and demo extras (about a minute, once)"
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -qq --upgrade pip
	@$(PY) -m pip install -qq -e ".[test,demo]"
	@touch $@
	@echo "Installed into $(VENV)."

demo: $(VENV)/.installed
	$(VENV)/bin/autograd-lite train --out out

test: $(VENV)/.installed
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
