# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST := $(BIN)/python -m pytest

.PHONY: help install system-deps test test-fast test-slow test-vcan demo demo-home demo-audio clean models train rasa fuzz soak mutate

help:
	@echo "make demo        run the assistant end to end on the embedded defaults"
	@echo "make demo-home   car-to-home: lights at home through mosquitto and the simulated home"
	@echo "make demo-audio  re-record the demo's spoken commands (assistant/data/demo/)"
	@echo "make test        the whole test suite (fast, slow and real-vcan tests)"
	@echo "make test-fast   unit and integration tests only (a few seconds)"
	@echo "make test-vcan   the vehicle suite on a real SocketCAN vcan0 (qemu when the kernel lacks AF_CAN)"
	@echo "make install     create $(VENV) and install the package with its extras"
	@echo "make models      download a piper voice and a vosk model into models/ (needs a network)"
	@echo "make train       train the embedded NLU model and compile the ASR grammar (seconds) into models/"
	@echo "make fixtures    synthesise the recorded command/wake sets into tests/fixtures/generated/ (minutes)"
	@echo "make rasa        build .rasa-venv with rasa 3.6 for the rasa NLU backend (minutes)"
	@echo "make fuzz        100k fuzzed gate turns + 1k text turns judged by an independent oracle (minutes)"
	@echo "make soak        10,000-turn soak (RSS, exceptions, sockets) and the bus-flood latency ratio (minutes)"
	@echo "make mutate      mutation testing of the safety gate with mutmut (hours; in a copy under out/)"

system-deps:
	bash tools/install-system-deps.sh

$(STAMP): pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,vosk,piper,measure,zh]'
	touch $(STAMP)

# System packages first (a quick check when they are there), so a fresh machine needs no other command.
install: system-deps $(STAMP)

# Every trained artefact: the embedded NLU model (a few seconds). `assistant train --backend rasa`
# trains Rasa DIET too (after `make rasa`, ~15 min).
train: install
	$(BIN)/assistant train

# The bundled recorded drive (assistant/data/demo/) through the whole live pipeline of `assistant run`
# on the embedded defaults and the built-in simulator: prints the conversation with the car's state
# changes and writes the spoken replies to out/demo/reply_NN.wav. Trains (NLU, ASR grammar) first.
demo: install
	$(BIN)/assistant train
	$(BIN)/assistant demo --out out/demo

# Re-record the demo's commands from the `say:` lines of assistant/data/demo/script.yml (flite/espeak-ng),
# then show what the current recogniser makes of each.
demo-home: install
	$(BIN)/assistant train
	PYTHON=$(BIN)/python assistant/data/demo_home/run.sh

demo-audio: install
	$(BIN)/python tools/demo/make_demo_audio.py --check

# Rasa 3.6 in its own virtualenv (PRODUCT.md recipe; several minutes). Not part of `make install`:
# `rasa`-marked tests run wherever .rasa-venv exists and skip, saying why, elsewhere.
RASA_VENV ?= .rasa-venv
rasa: $(RASA_VENV)/.rasa-installed
$(RASA_VENV)/.rasa-installed: tools/rasa/install.sh
	bash tools/rasa/install.sh $(RASA_VENV) $(PYTHON)

# Recorded-audio sets for `assistant eval speech` and `assistant bench asr` (espeak-ng/flite voices, car
# noise at several SNRs; seeded, so the same data gives the same files). The unit tests use the small
# committed set in tests/asr/wav/ instead.
fixtures: install
	$(BIN)/python tools/fixtures/make_fixtures.py --sets commands,wake,dev,tune

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

# Safety figures (minutes, not part of `make test`). The fuzz seed is printed;
# `assistant bench fuzz --seed N --turns M` replays a run turn for turn.
fuzz: install
	$(BIN)/assistant bench fuzz

soak: install
	$(BIN)/assistant bench soak flood

# Mutation testing of gate.py, rules.py, e2e.py and ratelimit.py ([tool.mutmut] in pyproject.toml):
# a sweep with the fast gate-level tests, then every survivor again with the whole vehicle + hardening
# suite. Hours; not part of `make test`. mutmut edits the files it mutates, so it runs in a copy.
MUTATE_DIR ?= out/mutate
MUTMUT     := $(abspath $(BIN))/mutmut
mutate: install
	rm -rf $(MUTATE_DIR) && mkdir -p $(MUTATE_DIR)
	tar --exclude=./.venv --exclude=./.rasa-venv --exclude=./.git --exclude=./out --exclude=./models/rasa \
	    --exclude=./.hypothesis --exclude=./.pytest_cache -cf - . | tar -xf - -C $(MUTATE_DIR)
	cd $(MUTATE_DIR) && export PATH=$(abspath $(BIN)):$$PATH PYTHONPATH=$$PWD && { \
	  $(MUTMUT) run --no-progress --simple-output; \
	  for id in $$($(MUTMUT) result-ids survived); do \
	    $(MUTMUT) run $$id --no-progress --simple-output --runner "python tests/hardening/mutation_runner.py full" \
	      > /dev/null; done; \
	  $(MUTMUT) results; \
	  k=$$($(MUTMUT) result-ids killed | wc -w); t=$$($(MUTMUT) result-ids timeout | wc -w); \
	  q=$$($(MUTMUT) result-ids suspicious | wc -w); s=$$($(MUTMUT) result-ids survived | wc -w); \
	  n=$$((k + t + q + s)); test $$n -gt 0 || { echo "no mutant was checked"; exit 1; }; \
	  echo "mutation score: $$((k + t)) of $$n mutants killed ($$((100 * (k + t) / n))%), $$s survived," \
	       "$$q suspicious; see \`cd $(MUTATE_DIR) && $(MUTMUT) show ID\`"; }

clean:
	rm -rf build dist *.egg-info .pytest_cache out
