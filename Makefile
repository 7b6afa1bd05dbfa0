# Vectra RUX content pack — every target installs what it needs, so a fresh machine needs nothing but python3.
#   make demo      fetch incidents from the embedded Vectra emulator through the local XSOAR engine
#   make test      lint, the suite (end-to-end included), the pack tests and gates as demisto/content's CI runs them,
#                  demisto-sdk validate, pack
#   make content-ci  each pack code folder's tests alone in the content layout (coverage per folder) + the gates
#   make validate  demisto-sdk validate with the full offline rule set (validation_config.toml)
#   make pack      build/uploadable_packs/VectraRUX.zip (+ the unified integration YAMLs, API module inlined)
#   make bench     benchmarks on the emulator: build/bench.json and build/bench.png
#   make test-clock  the suite without its end-to-end tests (pack folders included) with the clock moved 1 and 5 years ahead
#   make soak      MINUTES=10: every job of an instance at once against the emulator, with faults (build/soak.json)
#   make docs      regenerate the READMEs: integration (YAML + live command examples), scripts, playbooks

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
PACK   := Packs/VectraRUX

export DEMISTO_SDK_IGNORE_CONTENT_WARNING := 1
export DEMISTO_SDK_SKIP_VERSION_CHECK := 1
export DEMISTO_SDK_LOG_NO_COLORS := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: venv test test-clock content-ci lint typecheck unit validate pack demo bench soak docs clean

venv: $(STAMP)

# Re-installs only when the pins change; otherwise this target costs nothing.
$(STAMP): pyproject.toml requirements.lock tools/requirements.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) tools/requirements.py > $(VENV)/requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt -c requirements.lock
	touch $(STAMP)

test: lint typecheck unit content-ci validate pack

lint: venv
	$(BIN)/ruff check .

typecheck: venv
	$(BIN)/mypy --config-file pyproject.toml tools Tests/runtime

unit: venv
	$(PY) -m pytest

# demisto/content's CI, offline: every integration/script/API module folder's tests alone (platform runtime beside
# them, no network, no output), at least 90 % line coverage each; then its pre-commit gates.
content-ci: venv
	$(PY) -m tools.content_ci.folders
	$(PY) -m tools.content_ci.gates

# libfaketime moves the wall clock of every process the suite starts (SHIFTS="+30d" for another date).
SHIFTS ?= +400d +1826d
test-clock: venv
	$(PY) -m tools.moved_clock $(foreach shift,$(SHIFTS),--shift=$(shift)) -- $(PY) -m pytest -m "not e2e"
	$(PY) -m tools.moved_clock $(foreach shift,$(SHIFTS),--shift=$(shift)) -- $(PY) -m tools.content_ci.folders

validate: venv
	$(BIN)/demisto-sdk validate -a --config-path validation_config.toml

pack: venv
	rm -rf build/uploadable_packs build/integration-*.yml
	$(BIN)/demisto-sdk zip-packs -i $(PACK) -o build
	test -f build/uploadable_packs/VectraRUX.zip
	for integration in $(PACK)/Integrations/*/; do \
	  name=$$(basename $$integration); \
	  $(BIN)/demisto-sdk prepare-content -i $$integration -o build/integration-$$name.yml || exit 1; done
	@echo "built build/uploadable_packs/VectraRUX.zip and the unified integrations build/integration-*.yml"

demo: venv
	$(PY) -m tools.demo

bench: venv
	$(PY) -m tools.bench

MINUTES ?= 10
SEED    ?= 7
FAILED_CYCLE     ?= asks-again
CLOSED_INCIDENTS ?= mirrored
soak: venv
	$(PY) -m tools.xsoar_local soak --minutes $(MINUTES) --seed $(SEED) --failed-cycle $(FAILED_CYCLE) \
	  --closed-incidents $(CLOSED_INCIDENTS) --out build/soak.json

docs: venv
	$(PY) -m tools.integration_readme
	$(PY) -m tools.content_readmes

clean:
	rm -rf build .state .pytest_cache .ruff_cache .mypy_cache
