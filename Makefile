# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST := $(BIN)/python -m pytest

.PHONY: help install system-deps test test-fast test-slow test-vcan demo clean models train rasa

help:
	@echo "make demo        run the assistant end to end on the embedded defaults"
	@echo "make test        the whole test suite (fast, slow and real-vcan tests)"
	@echo "make test-fast   unit and integration tests only (a few seconds)"
	@echo "make test-vcan   the vehicle suite on a real SocketCAN vcan0 (qemu when the kernel lacks AF_CAN)"
	@echo "make install     create $(VENV) and install the package with its extras"
	@echo "make models      download a piper voice and a vosk model into models/ (needs a network)"
	@echo "make train       train the embedded NLU model (seconds) into models/"
	@echo "make rasa        build .rasa-venv with rasa 3.6 for the rasa NLU backend (minutes)"

system-deps:
	bash tools/install-system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,vosk,piper]'
	touch $(STAMP)

install: $(STAMP)

# Every trained artefact: the embedded NLU model (a few seconds). `assistant train --backend rasa`
# trains Rasa DIET too (after `make rasa`, ~15 min).
train: install
	$(BIN)/assistant train

# Rasa 3.6 in its own virtualenv (PRODUCT.md recipe; several minutes). Not part of `make install`:
# `rasa`-marked tests run wherever .rasa-venv exists and skip, saying why, elsewhere.
RASA_VENV ?= .rasa-venv
rasa: $(RASA_VENV)/.rasa-installed
$(RASA_VENV)/.rasa-installed: tools/rasa/install.sh
	bash tools/rasa/install.sh $(RASA_VENV) $(PYTHON)

# Fails fast offline, saying what is missing and how to install it by hand.
models: install
	$(BIN)/assistant models

test: install
	$(PYTEST) -m "not vcan"
	$(MAKE) test-vcan

test-fast: install
	$(PYTEST) -m "not slow and not vcan" -q

test-slow: install
	$(PYTEST) -m "slow and not vcan"

# Real SocketCAN: every `vcan`-marked test under tests/, natively when this kernel has AF_CAN
# and vcan0 (or root can create it), else in a qemu VM with vcan0 (tools/vcan_vm/).
# More pytest options: PYTEST_ADDOPTS="-k filters" make test-vcan.
test-vcan: install
	PYTHON=$(BIN)/python bash tools/vcan_vm/pytest-vcan.sh

clean:
	rm -rf build dist *.egg-info .pytest_cache out
