# Benchmarks: speed and memory are measured here, never in tests. Each area adds its own
# fragment under Tests/bench/ and appends its target to BENCH_TARGETS.
BENCH_TARGETS :=
include $(wildcard Tests/bench/*.mk)

## bench: every benchmark against the emulator (started and stopped here)
bench: build $(VENV)/.stamp
	@$(MAKE) --no-print-directory emulator
	@status=0; $(MAKE) --no-print-directory $(BENCH_TARGETS) || status=$$?; \
	$(MAKE) --no-print-directory emulator-stop; exit $$status

.PHONY: bench $(BENCH_TARGETS)
