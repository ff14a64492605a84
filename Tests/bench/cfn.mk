BENCH_TARGETS += bench-cfn
## bench-cfn: cfn-deploy versus aws cloudformation deploy, a deploy without changes
bench-cfn:
	@set -a; . $(EMULATOR_ENV); set +a; Tests/bench/cfn.sh $(BIN) $(VENV)/bin/aws 5
