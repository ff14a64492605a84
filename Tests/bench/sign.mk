BENCH_TARGETS += bench-sign
## bench-sign: aws-sign-request versus the aws CLI, one DescribeImages per process
bench-sign:
	@set -a; . $(EMULATOR_ENV); set +a; Tests/bench/sign.sh $(BIN) $(VENV)/bin/aws 25
