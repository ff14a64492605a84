BENCH_TARGETS += bench-assets
## bench-assets: list-assets over a seeded account versus the same listing with aws CLI calls
bench-assets:
	@set -a; . $(EMULATOR_ENV); set +a; Tests/bench/assets.sh $(BIN) $(VENV)/bin/aws $(PYTHON) 5
