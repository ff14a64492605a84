# What the build and the test ground need, installed on demand so that `make test` and
# `make demo` work on a fresh Debian machine (as root, or with sudo).

APT_PACKAGES := libcurl4-openssl-dev libssl-dev libjq-dev jq
# What the tests use besides: ssh-keygen checks the key files keypair writes.
APT_PACKAGES += openssh-client
# The HTTPS proxy the TLS tests go through (the binary only: no service is started).
APT_PACKAGES += tinyproxy-bin
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

## deps: install the system libraries the tools link against (apt)
deps: $(BUILD)/.deps-apt
$(BUILD)/.deps-apt: Tests/deps.mk
	@mkdir -p $(@D)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then missing="$$missing python3-venv"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$(echo $$missing)" >&2; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >&2; \
	fi
	@touch $@

# The Python test ground (moto and its extension, botocore for signature comparison,
# awscli for benchmarks, cfn-lint), pinned, in a virtual environment of its own.
$(VENV)/.stamp: Tests/requirements.txt $(BUILD)/.deps-apt
	@python3 -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check -r $< >&2
	@touch $@
## venv: the pinned Python test ground under build/venv
venv: $(VENV)/.stamp
.PHONY: deps venv
