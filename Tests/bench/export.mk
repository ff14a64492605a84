BENCH_TARGETS += bench-export
## bench-export: server-side rename of a 256 MiB export versus aws s3 cp down and up; 3 formats side by side versus --sequential
bench-export:
	@set -a; . $(EMULATOR_ENV); set +a; Tests/bench/export.sh $(BIN) $(VENV)/bin/aws $(EMULATOR_URL)
