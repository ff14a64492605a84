# The test command of the README: everything a fresh machine needs is installed by the
# prerequisites; the emulator is stopped whatever the tests did.

# The Python test ground (moto and its extension, botocore for signature comparison,
# awscli for benchmarks, cfn-lint), pinned, in a virtual environment of its own.
$(VENV)/.stamp: Tests/requirements.txt $(BUILD)/.deps-apt
	@python3 -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check --require-hashes -r $< >&2
	@touch $@
## venv: the pinned Python test ground under build/venv
venv: $(VENV)/.stamp
.PHONY: venv

BOTOCORE_VECTORS := $(BUILD)/test/botocore-vectors.json
SWIFT_TEST_ENV = SIGV4_SUITE=$(SIGV4_SUITE) BOTOCORE_VECTORS=$(abspath $(BOTOCORE_VECTORS)) \
  EMULATOR_ENV=$(abspath $(EMULATOR_ENV)) SANDBOX_BIN=$(abspath $(BIN)) SANDBOX_ROOT=$(CURDIR)

$(BOTOCORE_VECTORS): Tests/signing/botocore_vectors.py $(VENV)/.stamp
	@mkdir -p $(@D)
	$(PYTHON) $< $@ 400

## test: install what is missing, build, lint, start the emulator, run every test, stop it
test: build lint $(BOTOCORE_VECTORS)
	@$(MAKE) --no-print-directory emulator
	@status=0; \
	$(MAKE) --no-print-directory --keep-going test-swift emulator-test test-codebuild test-release || status=$$?; \
	$(MAKE) --no-print-directory emulator-stop; \
	[ $$status -eq 0 ] || { echo "make test: failed (exit $$status); the emulator log is in $(EMULATOR_LOG)" >&2; exit $$status; }
	@$(MAKE) --no-print-directory test-ansible test-image

## test-swift: unit tests and the process-level integration tests (the emulator must be running)
test-swift: $(BOTOCORE_VECTORS)
	$(SWIFT_TEST_ENV) swift test --scratch-path $(SCRATCH) $(SWIFT_LAYER_CHECK) --xunit-output $(BUILD)/test/swift-tests.xml

## test-release: make release end to end against the running emulator: clean run, SIGTERM at each step, faults
test-release:
	EMULATOR_ENV=$(abspath $(EMULATOR_ENV)) BIN=$(abspath $(BIN)) Tests/release/e2e.sh

.PHONY: test test-swift test-release
