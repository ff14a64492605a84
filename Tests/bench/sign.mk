BENCH_TARGETS += bench-sign
## bench-sign: aws-sign-request versus the aws CLI, one DescribeImages per process (starts the emulator if needed)
bench-sign:
	@$(call with_emulator,bench-sign-run)
bench-sign-run:
	@set -a; . $(EMULATOR_ENV); set +a; Tests/bench/sign.sh $(BIN) $(VENV)/bin/aws 25
.PHONY: bench-sign-run
