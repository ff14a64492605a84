# Ansible: the playbooks that make an Ubuntu instance the data science sandbox
# (ansible/README.md), their pinned tool chain, and their test against a local Debian
# system that stands in for the instance.

ANSIBLE_VENV       ?= $(BUILD)/venv-ansible
ANSIBLE_VENV_STAMP := $(ANSIBLE_VENV)/.stamp
# ansible.cfg is read from the working directory only; `env` keeps these usable as the
# command of a wrapper such as ANSIBLE_TESTSYSTEM_RUN.
ANSIBLE_PLAYBOOK   := env ANSIBLE_CONFIG=$(abspath ansible/ansible.cfg) $(ANSIBLE_VENV)/bin/ansible-playbook
# Optional vars file holding sandbox_default_password (otherwise SANDBOX_DEFAULT_PASSWORD).
SANDBOX_PASSWORD_VARS ?=
ANSIBLE_PASSWORD_ARGS = $(if $(SANDBOX_PASSWORD_VARS),-e @$(SANDBOX_PASSWORD_VARS))
# Every recipe that runs a playbook starts with this: no default password, no run.
require_password = [ -n "$${SANDBOX_DEFAULT_PASSWORD:-}$(SANDBOX_PASSWORD_VARS)" ] || { \
  echo "$@: set SANDBOX_DEFAULT_PASSWORD in the environment (or SANDBOX_PASSWORD_VARS=vars-file):" \
    "Jupyter and the login share it" >&2; exit 2; }

# The local test system: Debian from the mirror this machine's apt uses, bootstrapped by mmdebstrap.
APT_PACKAGES += mmdebstrap
$(BUILD)/.deps-apt: ansible/ansible.mk
DEBIAN_MIRROR      ?= $(shell ansible/tests/debian-mirror.sh)
DEBIAN_SUITE       ?= bookworm
ANSIBLE_ROOTFS_DISK := $(BUILD)/ansible/rootfs.raw
ANSIBLE_TESTSYSTEM := $(BUILD)/ansible/testsystem
ANSIBLE_TESTSYSTEM_INVENTORY := $(BUILD)/ansible/testsystem-inventory.ini
# Prefix for commands against the test system: mounts its /proc, /sys, /dev around them.
ANSIBLE_TESTSYSTEM_RUN := ansible/tests/testsystem.sh run $(ANSIBLE_TESTSYSTEM)

## ansible-venv: the pinned Ansible tool chain under build/venv-ansible
ansible-venv: $(ANSIBLE_VENV_STAMP)
# python3-venv comes with the build's Debian packages.
$(ANSIBLE_VENV_STAMP): ansible/requirements-dev.txt | $(BUILD)/.deps-apt
	@rm -rf $(ANSIBLE_VENV)
	@python3 -m venv $(ANSIBLE_VENV)
	@$(ANSIBLE_VENV)/bin/pip install -q --disable-pip-version-check --require-hashes -r $< >&2
	@touch $@

## ansible-lint: lint the playbooks and roles (production profile)
ansible-lint: $(ANSIBLE_VENV_STAMP)
	cd ansible && PATH=$(abspath $(ANSIBLE_VENV))/bin:$$PATH ANSIBLE_CONFIG=ansible.cfg ansible-lint --offline \
	  --profile production install.yml reset-password.yml roles

# The size of its volume, in GiB: its data plus a margin (as the EC2 stack's RootVolumeSize).
TESTSYSTEM_GIB     ?= 3

## ansible-rootfs: the pristine Debian test system's disk, build/ansible/rootfs.raw (root; cached)
ansible-rootfs: $(ANSIBLE_ROOTFS_DISK)
$(ANSIBLE_ROOTFS_DISK): ansible/tests/build-rootfs.sh ansible/tests/lib.sh $(shell find ansible/tests/ubuntu-traits -type f) | $(BUILD)/.deps-apt
	DEBIAN_MIRROR=$(DEBIAN_MIRROR) DEBIAN_SUITE=$(DEBIAN_SUITE) TESTSYSTEM_GIB=$(TESTSYSTEM_GIB) \
	  ansible/tests/build-rootfs.sh $@

# Always remade: every use starts from a fresh copy of the pristine system.
## ansible-testsystem: a fresh local test system and build/ansible/testsystem-inventory.ini
ansible-testsystem: $(ANSIBLE_TESTSYSTEM_INVENTORY)
$(ANSIBLE_TESTSYSTEM_INVENTORY): $(ANSIBLE_ROOTFS_DISK) $(ANSIBLE_VENV_STAMP)
	ansible/tests/testsystem.sh prepare $(ANSIBLE_ROOTFS_DISK) $(ANSIBLE_TESTSYSTEM) $@

## ansible-testsystem-provision: run install.yml, reset-password.yml on a fresh test system
ansible-testsystem-provision: $(ANSIBLE_TESTSYSTEM_INVENTORY)
	@$(require_password)
	$(ANSIBLE_TESTSYSTEM_RUN) $(ANSIBLE_PLAYBOOK) -i $< $(ANSIBLE_PASSWORD_ARGS) ansible/install.yml
	$(ANSIBLE_TESTSYSTEM_RUN) $(ANSIBLE_PLAYBOOK) -i $< $(ANSIBLE_PASSWORD_ARGS) ansible/reset-password.yml

## test-ansible: lint, then both playbooks twice on a fresh test system, checked from outside
ifneq ($(AS_ROOT),)
test-ansible: $(ANSIBLE_VENV_STAMP) $(ANSIBLE_ROOTFS_DISK)
else
# Without root there is no test system to build (the script says so); the lint still runs.
test-ansible: $(ANSIBLE_VENV_STAMP)
endif
	@rm -f $(SKIP_LOG)-ansible
	@status=0; ANSIBLE_VENV=$(ANSIBLE_VENV) ROOTFS_DISK=$(ANSIBLE_ROOTFS_DISK) WORK=$(BUILD)/ansible/test \
	  ALLOW_SKIPS=$(ALLOW_SKIPS) SKIP_LOG=$(abspath $(SKIP_LOG))-ansible ansible/tests/test-ansible.sh || status=$$?; \
	$(call skip_report,ansible); exit $$status

# The instance to provision: build/$(ASSET_ID)/instance.json, with key.pem beside it or the
# KeyFile named in keypair.json.
ASSET_ID ?=
ANSIBLE_INVENTORY = $(BUILD)/$(ASSET_ID)/inventory.ini

## inventory: build/<ASSET_ID>/inventory.ini from the instance's instance.json and key
inventory: require-asset-id $(if $(ASSET_ID),$(ANSIBLE_INVENTORY))
$(BUILD)/%/inventory.ini: $(BUILD)/%/instance.json ansible/inventory.sh | $(BUILD)/.deps-apt
	ansible/inventory.sh $< $@

## ansible-provision: install.yml, then reset-password.yml, on the instance of ASSET_ID
ansible-provision: require-asset-id $(ANSIBLE_VENV_STAMP) inventory
	@$(require_password)
	$(ANSIBLE_PLAYBOOK) -i $(ANSIBLE_INVENTORY) $(ANSIBLE_PASSWORD_ARGS) ansible/install.yml
	$(ANSIBLE_PLAYBOOK) -i $(ANSIBLE_INVENTORY) $(ANSIBLE_PASSWORD_ARGS) ansible/reset-password.yml

## ansible-clean: remove the test systems (unmounting what a failed run left mounted)
ansible-clean:
	@for d in $(ANSIBLE_TESTSYSTEM) $(BUILD)/ansible/test/rootfs $(BUILD)/ansible/rootfs.build $(BUILD)/ansible/rootfs.build-tree; do \
	  bash -c '. ansible/tests/lib.sh && remove_rootfs "$$1"' _ "$$d"; done
	rm -rf $(BUILD)/ansible

.PHONY: ansible-venv ansible-lint ansible-rootfs ansible-testsystem ansible-testsystem-provision \
  test-ansible inventory ansible-provision ansible-clean \
  $(ANSIBLE_TESTSYSTEM_INVENTORY)
