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

# A test that cannot run (no emulator, no SigV4 suite, no vector file, not root) fails.
# ALLOW_SKIPS=1 makes it a skip instead, one line each in $(SKIP_LOG)-<part>; CI never sets it.
ALLOW_SKIPS ?=
SKIP_LOG    := $(BUILD)/test/skips
# $(1): the part; prints how many of its tests were skipped, and which.
skip_report = n=$$(cat $(SKIP_LOG)-$(1) 2>/dev/null || true); n=$$(printf '%s' "$$n" | grep -c . || true); echo "$(1): $$n tests skipped$(if $(ALLOW_SKIPS), (ALLOW_SKIPS=1))" >&2; \
  [ $$n -eq 0 ] || sed 's/^/  skipped: /' $(SKIP_LOG)-$(1) >&2

BOTOCORE_VECTORS := $(BUILD)/test/botocore-vectors.json
XML_ANSWERS      := $(BUILD)/test/xml-answers.json
TEST_VECTORS     := $(BOTOCORE_VECTORS) $(XML_ANSWERS)
SWIFT_TEST_ENV = SIGV4_SUITE=$(SIGV4_SUITE) BOTOCORE_VECTORS=$(abspath $(BOTOCORE_VECTORS)) \
  XML_ANSWERS=$(abspath $(XML_ANSWERS)) \
  EMULATOR_ENV=$(abspath $(EMULATOR_ENV)) SANDBOX_BIN=$(abspath $(BIN)) SANDBOX_ROOT=$(CURDIR) \
  ALLOW_SKIPS=$(ALLOW_SKIPS) SKIP_LOG=$(abspath $(SKIP_LOG))-swift

$(BOTOCORE_VECTORS): Tests/signing/botocore_vectors.py $(VENV)/.stamp
	@mkdir -p $(@D)
	$(PYTHON) $< $@ 400

# The recorded XML answers (Tests/xml/answers) as botocore parses them, for XMLAnswersTests.
$(XML_ANSWERS): Tests/xml/botocore_answers.py $(wildcard Tests/xml/answers/*.xml) $(VENV)/.stamp
	@mkdir -p $(@D)
	$(PYTHON) $< $@

# $(call timed,TARGETS): make each target in turn, going on after a failure (as --keep-going),
# and say how long each took ("make test: test-swift took 212 s"): the time budget's account.
timed = status=0; for target in $(1); do t=$$SECONDS; $(MAKE) --no-print-directory $$target || status=$$?; \
  echo "make test: $$target took $$((SECONDS - t)) s" >&2; done

## test: install what is missing, build, lint, start the emulator, run every test, stop it
test: build lint test-readme $(TEST_VECTORS)
	@(t=$$SECONDS; status=0; $(MAKE) --no-print-directory test-system || status=$$?; \
	  echo "make test: test-system (beside the emulator's suites) took $$((SECONDS - t)) s" >&2; exit $$status) & system=$$!; \
	status=0; $(MAKE) --no-print-directory test-with-emulator || status=$$?; \
	system_status=0; wait $$system || system_status=$$?; \
	[ $$status -ne 0 ] && exit $$status; exit $$system_status
	@$(call timed,test-image-formats test-ansible test-image); exit $$status
	@n=$$(cat $(SKIP_LOG)-* 2>/dev/null || true); echo "make test: $$(printf '%s' "$$n" | grep -c . || true) tests skipped in all" >&2

# The suites that share the emulator, one after another (they count its assets and limits).
test-with-emulator:
	@$(MAKE) --no-print-directory emulator
	@$(call timed,test-swift test-skips emulator-test test-codebuild test-release test-quickstart); \
	$(MAKE) --no-print-directory emulator-stop; \
	[ $$status -eq 0 ] || { echo "make test: failed (exit $$status); the emulator log is in $(EMULATOR_LOG)" >&2; exit $$status; }

# What the Ansible and image tests start from, made in the background while the emulator's suites
# run: debootstrap and pip wait mostly on disk and network, the suites on the CPU. Its output
# goes to a log.
test-system:
	@log=$(BUILD)/test-system.log; \
	$(MAKE) --no-print-directory $(ANSIBLE_ROOTFS_DISK) $(ANSIBLE_VENV_STAMP) >$$log 2>&1 \
	  || { tail -n 40 $$log >&2; echo "make test: the Debian test system or the Ansible venv failed (log: $$log)" >&2; exit 1; }

## test-swift: unit tests and the process-level integration tests of the built tools (the emulator must be running)
test-swift: build $(TEST_VECTORS)
	@rm -f $(SKIP_LOG)-swift
	@status=0; $(SWIFT_TEST_ENV) swift test --scratch-path $(SCRATCH) $(SWIFT_LAYER_CHECK) --xunit-output $(BUILD)/test/swift-tests.xml || status=$$?; \
	$(call skip_report,swift); exit $$status

## test-skips: a test that cannot run (no SigV4 suite, emulator or vectors) fails; ALLOW_SKIPS=1 counts it instead
test-skips: build $(TEST_VECTORS)
	$(SWIFT_TEST_ENV) SCRATCH=$(SCRATCH) Tests/skips/no-silent-skips.sh

## mutants: deliberate bugs (Tests/mutants/mutants.txt), one at a time in a scratch copy; each must be caught
mutants: $(TEST_VECTORS)
	@$(MAKE) --no-print-directory emulator
	@status=0; $(SWIFT_TEST_ENV) $(PYTHON) Tests/mutants/mutants.py Tests/mutants/mutants.txt $(BUILD)/mutants $(MUTANTS) || status=$$?; \
	$(MAKE) --no-print-directory emulator-stop; exit $$status

## test-readme: every make variable a user may set has an input rule and a row in the README's table
test-readme:
	@CHECKED='$(sort $(input_variables))' KNOWN='$(filter-out input_% %_rule %_what,$(.VARIABLES))' \
	  Tests/readme/variables.sh README.md $(MAKEFILE_LIST)

## test-quickstart: the README's quick start and three everyday compositions against the running emulator
test-quickstart: build
	EMULATOR_ENV=$(abspath $(EMULATOR_ENV)) BIN=$(abspath $(BIN)) Tests/readme/quickstart.sh

## test-release: make release end to end against the running emulator: clean run, SIGTERM at each step, faults
test-release: build
	EMULATOR_ENV=$(abspath $(EMULATOR_ENV)) BIN=$(abspath $(BIN)) Tests/release/e2e.sh

.PHONY: test test-with-emulator test-system test-swift test-skips test-readme test-quickstart test-release mutants
