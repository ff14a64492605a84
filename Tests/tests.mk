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
  ALLOW_SKIPS=$(ALLOW_SKIPS) SKIP_LOG=$(abspath $(SKIP_LOG))-$(SWIFT_PART)

$(BOTOCORE_VECTORS): Tests/signing/botocore_vectors.py $(VENV)/.stamp
	@mkdir -p $(@D)
	$(PYTHON) $< $@ 400

# The recorded XML answers (Tests/xml/answers) as botocore parses them, for XMLAnswersTests.
$(XML_ANSWERS): Tests/xml/botocore_answers.py $(wildcard Tests/xml/answers/*.xml) $(VENV)/.stamp
	@mkdir -p $(@D)
	$(PYTHON) $< $@

## test: install what is missing, build, lint, run every test (each part against an emulator of its own)
# Two chains side by side: the build, lint and the emulator's suites; and the Debian test system
# (mmdebstrap and pip wait mostly on disk), then the Ansible and image tests. The second needs
# the first's release tools and venvs: the first says in $(TOOLS_READY) when they are made (or
# failed), and the second waits for that before its tests (with the test system cached it is
# there first).
TOOLS_READY = $(BUILD)/test/tools-ready
test: $(BUILD)/.deps-apt
	@mkdir -p $(BUILD)/test; rm -f $(TOOLS_READY) $(SKIP_LOG)-*
	@$(side_by_side) test-emulator-parts test-system-parts
	@n=$$(cat $(SKIP_LOG)-* 2>/dev/null || true); echo "make test: $$(printf '%s' "$$n" | grep -c . || true) tests skipped in all" >&2

test-emulator-parts:
	@status=0; $(MAKE) --no-print-directory test-tools || status=$$?; echo "$$status" >$(TOOLS_READY); exit $$status
	@$(MAKE) --no-print-directory lint test-readme $(TEST_VECTORS)
	@$(MAKE) --no-print-directory test-with-emulator

test-system-parts:
	@$(MAKE) --no-print-directory test-system
	@until [ -f $(TOOLS_READY) ]; do sleep 2; done; [ "$$(cat $(TOOLS_READY))" = 0 ] \
	  || { echo "make test: the build failed: no Ansible or image test" >&2; exit 1; }
	@NO_BUILD=1 $(side_by_side) test-image-formats test-ansible test-image

# make test's parts run side by side (Tests/side-by-side.sh, each one's output printed whole when
# it ends): they wait far more than they compute (on export tasks, held answers, expiring keys,
# CodeBuild builds), and each has an emulator of its own (test-alone-%), so none sees another's
# assets, request counts, faults or delays, as when they ran one after another on one emulator.
TEST_LOGS := $(BUILD)/test/logs
side_by_side = MAKE='$(MAKE)' Tests/side-by-side.sh $(TEST_LOGS)

# The release build computes on about one and a half cores, pip on one: at once, they take little
# longer than the build alone.
test-tools:
	@$(side_by_side) build venvs

# The Swift tests need their debug build, the other parts only the release tools: those start at
# once, the Swift tests once their build is done.
test-with-emulator:
	@NO_BUILD=1 $(side_by_side) test-swift-groups $(addprefix test-alone-,emulator-test test-codebuild test-release)

# test-quickstart runs the README's `make build`, which would wait for the test build's lock on
# $(SCRATCH): it starts after it.
test-swift-groups: swift-tests
	@rm -f $(BUILD)/test/swift-*.xml
	@NO_BUILD=1 $(side_by_side) test-skips test-alone-test-quickstart $(addprefix test-alone-test-swift-,$(SWIFT_GROUPS))

# $*: a part of make test, against a fresh emulator of its own under $(BUILD)/emulators/$*, stopped
# whatever happened. make test builds everything first; its parts run with NO_BUILD=1.
test-alone-%:
	@dir=$(BUILD)/emulators/$*; trap 'exit 130' INT; trap 'exit 143' TERM; \
	trap '$(MAKE) --no-print-directory emulator-stop EMULATOR_DIR=$$dir' EXIT; \
	$(MAKE) --no-print-directory emulator EMULATOR_DIR=$$dir; \
	$(MAKE) --no-print-directory $* EMULATOR_DIR=$$dir \
	  || { status=$$?; echo "make test: $* failed (exit $$status); the emulator log is in $$dir/log" >&2; exit $$status; }

# What the Ansible and image tests start from (make test makes it beside the build and the
# emulator's suites). Its output goes to a log.
test-system:
	@log=$(BUILD)/test-system.log; \
	$(MAKE) --no-print-directory $(ANSIBLE_ROOTFS_DISK) $(ANSIBLE_VENV_STAMP) >$$log 2>&1 \
	  || { tail -n 40 $$log >&2; echo "make test: the Debian test system or the Ansible venv failed (log: $$log)" >&2; exit 1; }

# The debug build the Swift tests run from (swift test would make it too; make test makes it once
# for all its groups). NO_BUILD=1 uses the release tools and this build as they are.
swift-tests: $(BUILD)/.deps-apt
	swift build --build-tests --scratch-path $(SCRATCH) $(SWIFT_LAYER_CHECK)
SWIFT_TOOLS = $(if $(NO_BUILD),,build swift-tests)

# make test runs the Swift tests in groups (test-swift-N), each against an emulator of its own. A
# group names integration suites (a regular expression over their names); the last group is every
# test no other group names, the unit tests too, so a new suite runs without being listed here.
# The suites that wait longest are spread so that the groups take about as long (seconds of each
# suite in one serial run on two busy cores, 2026-12-07, in brackets).
# 1: SignalTests (98): its keypair test waits out the 30 s a create call in flight gets, twice.
swift_group.1 := SignalTests
# 2: ListAssetsTests (28, it seeds 2,500 objects and 60 stacks), LostImageAnswerTests (23),
# StartReleaseTests (19), SafeInputTests (17), PurgeAssetsTests (11).
swift_group.2 := ListAssetsTests|LostImageAnswerTests|StartReleaseTests|SafeInputTests|PurgeAssetsTests
# 3: AmiExportTests (27), ExpiringCredentialsTests (22), InFlightCreateTests (17), PurgeGuardTests (12),
# PipelineTests (9), TLSProxyTests (9).
swift_group.3 := AmiExportTests|ExpiringCredentialsTests|InFlightCreateTests|PurgeGuardTests|PipelineTests|TLSProxyTests
# 4: the rest (CfnDeployTests 24, its deploys validate templates with cfn-lint; some 25 small suites).
SWIFT_GROUPS := 1 2 3 4
swift_named = $(subst $(eval) ,|,$(foreach g,$(filter-out $(lastword $(SWIFT_GROUPS)),$(SWIFT_GROUPS)),$(swift_group.$(g))))
# swift test's arguments for group $(1): the named suites, or everything else.
swift_selection = $(if $(swift_group.$(1)),--filter,--skip) 'IntegrationTests\.Integration/($(or $(swift_group.$(1)),$(swift_named)))/'
test-swift-%:
	@$(MAKE) --no-print-directory test-swift SWIFT_SELECTION="$(call swift_selection,$*)" SWIFT_PART=swift-$*

# Set by test-swift-N: which tests, and the name their skips and report go under.
SWIFT_SELECTION =
SWIFT_PART = swift

## test-swift: unit tests and the process-level integration tests of the built tools (the emulator must be running)
test-swift: $(SWIFT_TOOLS) $(TEST_VECTORS)
	@rm -f $(SKIP_LOG)-$(SWIFT_PART)
	@status=0; $(SWIFT_TEST_ENV) swift test --skip-build --scratch-path $(SCRATCH) $(SWIFT_SELECTION) \
	  --xunit-output $(BUILD)/test/$(SWIFT_PART)-tests.xml || status=$$?; \
	$(call skip_report,$(SWIFT_PART)); exit $$status

## test-skips: a test that cannot run (no SigV4 suite, emulator or vectors) fails; ALLOW_SKIPS=1 counts it instead
test-skips: $(SWIFT_TOOLS) $(TEST_VECTORS)
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
test-quickstart: $(TOOLS)
	EMULATOR_ENV=$(abspath $(EMULATOR_ENV)) BIN=$(abspath $(BIN)) Tests/readme/quickstart.sh

## test-release: make release end to end against the running emulator: clean run, SIGTERM at each step, faults
test-release: $(TOOLS)
	EMULATOR_ENV=$(abspath $(EMULATOR_ENV)) BIN=$(abspath $(BIN)) Tests/release/e2e.sh

.PHONY: test test-emulator-parts test-system-parts test-tools test-with-emulator test-swift-groups test-system swift-tests test-swift test-skips test-readme test-quickstart test-release mutants
