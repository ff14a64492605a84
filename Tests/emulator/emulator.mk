# The emulator: moto server with signature checks, IAM, the export extension and a fault switch
# (Tests/emulator/README.md). Its credentials and endpoint land in $(EMULATOR_ENV), the one place
# tests read the endpoint from.

# Empty: the emulator takes a free port (written into $(EMULATOR_ENV)); set it to pin one.
EMULATOR_PORT    ?=
EMULATOR_DIR     := $(BUILD)/emulator
EMULATOR_ENV     := $(EMULATOR_DIR)/env
EMULATOR_PID     := $(EMULATOR_DIR)/pid
EMULATOR_LOG     := $(EMULATOR_DIR)/log
# The address of the running emulator, from its env file (recursive: read when used).
EMULATOR_URL      = $(shell sed -n 's/^export AWS_ENDPOINT_URL=//p' $(EMULATOR_ENV) 2>/dev/null)
# Seconds to wait for the start and bootstrap before giving up (they take about three).
EMULATOR_TIMEOUT ?= 30

# True when the pid file names a live emulator; a recycled pid of another program does not count.
# One compound command, so that `! $(emulator_running)` negates the whole test.
emulator_running = { [ -f $(EMULATOR_PID) ] && pid=$$(cat $(EMULATOR_PID)) && kill -0 "$$pid" 2>/dev/null \
  && grep -qa 'Tests/emulator/emulator.py' /proc/$$pid/cmdline 2>/dev/null; }

## emulator: start a fresh emulator in the background (one still running from before is stopped first)
emulator: $(VENV)/.stamp
	@mkdir -p $(EMULATOR_DIR)
	@if $(emulator_running); then \
	  echo "emulator: stopping the one still running (pid $$pid) so that no old state is reused" >&2; \
	  $(MAKE) --no-print-directory emulator-stop; \
	fi; \
	rm -f $(EMULATOR_PID) $(EMULATOR_ENV) $(EMULATOR_DIR)/credentials; \
	EMULATOR_PORT=$(EMULATOR_PORT) EMULATOR_STATE_DIR=$(EMULATOR_DIR) \
	  nohup $(PYTHON) Tests/emulator/emulator.py </dev/null >$(EMULATOR_LOG) 2>&1 & \
	pid=$$!; echo "$$pid" > $(EMULATOR_PID); \
	if ! $(PYTHON) Tests/emulator/wait_ready.py "$$pid" $(EMULATOR_ENV) $(EMULATOR_TIMEOUT); then \
	  echo "emulator: failed to start; the end of $(EMULATOR_LOG):" >&2; tail -n 40 $(EMULATOR_LOG) >&2; \
	  kill "$$pid" 2>/dev/null || true; rm -f $(EMULATOR_PID) $(EMULATOR_ENV); exit 1; \
	fi; \
	echo "emulator: $$(sed -n 's/^export AWS_ENDPOINT_URL=//p' $(EMULATOR_ENV)) (pid $$pid); credentials in $(EMULATOR_ENV)" >&2

## emulator-stop: stop it and remove its env file (so no test can reach a stopped or later emulator)
emulator-stop:
	@if $(emulator_running); then \
	  kill "$$pid"; \
	  for _ in $$(seq 100); do kill -0 "$$pid" 2>/dev/null || break; sleep 0.1; done; \
	  if kill -0 "$$pid" 2>/dev/null; then kill -9 "$$pid"; fi; \
	  echo "emulator: stopped (pid $$pid)" >&2; \
	fi; \
	rm -f $(EMULATOR_PID) $(EMULATOR_ENV) $(EMULATOR_DIR)/credentials

## emulator-test: the emulator's own tests, against the running emulator (make emulator first)
emulator-test: $(VENV)/.stamp
	@if ! $(emulator_running); then echo "emulator-test: no emulator running; run make emulator first" >&2; exit 1; fi
	EMULATOR_ENV=$(EMULATOR_ENV) $(PYTHON) -m pytest -q -p no:cacheprovider Tests/emulator/test_emulator.py

.PHONY: emulator emulator-stop emulator-test
