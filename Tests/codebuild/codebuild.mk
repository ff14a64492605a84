# The buildspec runner (Tests/codebuild/README.md): CodeBuild's rules shown on tiny buildspecs, the
# emulator's StartBuild/BatchGetBuilds/StopBuild, and the release project's own buildspec.

## test-codebuild: the buildspec runner's tests against the running emulator (make emulator first)
test-codebuild: $(VENV)/.stamp
	@if ! $(emulator_running); then echo "test-codebuild: no emulator running; run make emulator first" >&2; exit 1; fi
	EMULATOR_ENV=$(abspath $(EMULATOR_ENV)) SANDBOX_BIN=$(abspath $(BIN)) \
	  $(PYTHON) -m pytest -q -p no:cacheprovider -rxX Tests/codebuild

.PHONY: test-codebuild
