# The emulator: moto server with signature checks, the export extension and a fault switch
# (Tests/emulator/README.md). Its credentials and endpoint land in $(EMULATOR_ENV).

EMULATOR_PORT    ?= 5055
EMULATOR_DIR     := $(BUILD)/emulator
EMULATOR_ENV     := $(EMULATOR_DIR)/env
EMULATOR_PID     := $(EMULATOR_DIR)/pid
EMULATOR_LOG     := $(EMULATOR_DIR)/log
EMULATOR_URL     := http://127.0.0.1:$(EMULATOR_PORT)
# Seconds to wait for the start and bootstrap before giving up (they take about three).
EMULATOR_TIMEOUT ?= 30

# True when the pid file names a live emulator; a recycled pid of another program does not count.
emulator_running = [ -f $(EMULATOR_PID) ] && pid=$$(cat $(EMULATOR_PID)) && kill -0 "$$pid" 2>/dev/null \
  && grep -qa 'Tests/emulator/emulator.py' /proc/$$pid/cmdline 2>/dev/null

## emulator: start the emulator on 127.0.0.1:$(EMULATOR_PORT) in the background
emulator: $(VENV)/.stamp
	@mkdir -p $(EMULATOR_DIR)
	@if $(emulator_running); then echo "emulator: already running (pid $$pid)" >&2; exit 0; fi; \
	rm -f $(EMULATOR_PID) $(EMULATOR_ENV) $(EMULATOR_DIR)/credentials; \
	EMULATOR_PORT=$(EMULATOR_PORT) EMULATOR_STATE_DIR=$(EMULATOR_DIR) \
	  nohup $(PYTHON) Tests/emulator/emulator.py </dev/null >$(EMULATOR_LOG) 2>&1 & \
	pid=$$!; echo "$$pid" > $(EMULATOR_PID); \
	if ! $(PYTHON) Tests/emulator/wait_ready.py "$$pid" $(EMULATOR_URL) $(EMULATOR_TIMEOUT); then \
	  echo "emulator: failed to start; the end of $(EMULATOR_LOG):" >&2; tail -n 40 $(EMULATOR_LOG) >&2; \
	  kill "$$pid" 2>/dev/null || true; rm -f $(EMULATOR_PID); exit 1; \
	fi; \
	echo "emulator: $(EMULATOR_URL) (pid $$pid); credentials in $(EMULATOR_ENV)" >&2

## emulator-stop: stop it
emulator-stop:
	@if $(emulator_running); then \
	  kill "$$pid"; \
	  for _ in $$(seq 100); do kill -0 "$$pid" 2>/dev/null || break; sleep 0.1; done; \
	  if kill -0 "$$pid" 2>/dev/null; then kill -9 "$$pid"; fi; \
	  echo "emulator: stopped (pid $$pid)" >&2; \
	fi; \
	rm -f $(EMULATOR_PID)

## emulator-test: the emulator's own tests, against the running emulator (make emulator first)
emulator-test: $(VENV)/.stamp
	@if ! $(emulator_running); then echo "emulator-test: no emulator running; run make emulator first" >&2; exit 1; fi
	EMULATOR_ENV=$(EMULATOR_ENV) $(PYTHON) -m pytest -q -p no:cacheprovider Tests/emulator/test_emulator.py

.PHONY: emulator emulator-stop emulator-test
