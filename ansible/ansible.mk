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
ANSIBLE_SUDO       := $(if $(filter 0,$(shell id -u)),,sudo)

# The local test system: Debian from the mirror this machine's apt uses.
DEBIAN_MIRROR      ?= $(shell ansible/tests/debian-mirror.sh)
DEBIAN_SUITE       ?= bookworm
ANSIBLE_ROOTFS_TAR := $(BUILD)/ansible/rootfs.tar
ANSIBLE_TESTSYSTEM := $(BUILD)/ansible/testsystem
ANSIBLE_TESTSYSTEM_INVENTORY := $(BUILD)/ansible/testsystem-inventory.ini
# Prefix for commands against the test system: mounts its /proc, /sys, /dev around them.
ANSIBLE_TESTSYSTEM_RUN := ansible/tests/testsystem.sh run $(ANSIBLE_TESTSYSTEM)

## ansible-venv: the pinned Ansible tool chain under build/venv-ansible
ansible-venv: $(ANSIBLE_VENV_STAMP)
$(ANSIBLE_VENV_STAMP): ansible/requirements-dev.txt
	@python3 -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "installing python3-venv" >&2; \
	  $(ANSIBLE_SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(ANSIBLE_SUDO) apt-get install -y -qq python3-venv >&2; }
	@rm -rf $(ANSIBLE_VENV)
	@python3 -m venv $(ANSIBLE_VENV)
	@$(ANSIBLE_VENV)/bin/pip install -q --disable-pip-version-check -r $< >&2
	@touch $@

## ansible-lint: lint the playbooks and roles (production profile)
ansible-lint: $(ANSIBLE_VENV_STAMP)
	cd ansible && PATH=$(abspath $(ANSIBLE_VENV))/bin:$$PATH ANSIBLE_CONFIG=ansible.cfg ansible-lint --offline \
	  --profile production install.yml reset-password.yml roles

## ansible-rootfs: the pristine Debian test system, build/ansible/rootfs.tar (root; cached)
ansible-rootfs: $(ANSIBLE_ROOTFS_TAR)
$(ANSIBLE_ROOTFS_TAR): ansible/tests/build-rootfs.sh
	DEBIAN_MIRROR=$(DEBIAN_MIRROR) DEBIAN_SUITE=$(DEBIAN_SUITE) ansible/tests/build-rootfs.sh $@

# Always remade: every use starts from a fresh copy of the pristine system.
## ansible-testsystem: a fresh local test system and build/ansible/testsystem-inventory.ini
ansible-testsystem: $(ANSIBLE_TESTSYSTEM_INVENTORY)
$(ANSIBLE_TESTSYSTEM_INVENTORY): $(ANSIBLE_ROOTFS_TAR) $(ANSIBLE_VENV_STAMP)
	ansible/tests/testsystem.sh prepare $(ANSIBLE_ROOTFS_TAR) $(ANSIBLE_TESTSYSTEM) $@

## ansible-testsystem-provision: run install.yml, reset-password.yml on a fresh test system
ansible-testsystem-provision: $(ANSIBLE_TESTSYSTEM_INVENTORY)
	@[ -n "$${SANDBOX_DEFAULT_PASSWORD:-}$(SANDBOX_PASSWORD_VARS)" ] || { \
	  echo "set SANDBOX_DEFAULT_PASSWORD (or SANDBOX_PASSWORD_VARS=vars-file)" >&2; exit 1; }
	$(ANSIBLE_TESTSYSTEM_RUN) $(ANSIBLE_PLAYBOOK) -i $< $(ANSIBLE_PASSWORD_ARGS) ansible/install.yml
	$(ANSIBLE_TESTSYSTEM_RUN) $(ANSIBLE_PLAYBOOK) -i $< $(ANSIBLE_PASSWORD_ARGS) ansible/reset-password.yml

## test-ansible: lint, then both playbooks twice on a fresh test system, checked from outside
ifeq ($(shell id -u),0)
test-ansible: $(ANSIBLE_VENV_STAMP) $(ANSIBLE_ROOTFS_TAR)
else
# Without root there is no test system to build (the script says so); the lint still runs.
test-ansible: $(ANSIBLE_VENV_STAMP)
endif
	@rm -f $(SKIP_LOG)-ansible
	@status=0; ANSIBLE_VENV=$(ANSIBLE_VENV) ROOTFS_TAR=$(ANSIBLE_ROOTFS_TAR) WORK=$(BUILD)/ansible/test \
	  ALLOW_SKIPS=$(ALLOW_SKIPS) SKIP_LOG=$(abspath $(SKIP_LOG))-ansible ansible/tests/test-ansible.sh || status=$$?; \
	$(call skip_report,ansible); exit $$status

# The instance to provision: build/$(ASSET_ID)/instance.json, with key.pem beside it or the
# KeyFile named in keypair.json.
ASSET_ID ?=
ANSIBLE_INVENTORY = $(BUILD)/$(ASSET_ID)/inventory.ini

## inventory: build/$(ASSET_ID)/inventory.ini from the instance's instance.json and key
inventory: $(if $(ASSET_ID),$(ANSIBLE_INVENTORY),ansible-need-asset-id)
$(BUILD)/%/inventory.ini: $(BUILD)/%/instance.json
	@command -v jq >/dev/null || { $(ANSIBLE_SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(ANSIBLE_SUDO) apt-get install -y -qq jq >&2; }
	@dir=$(@D); \
	host=$$(jq -r '[.PublicIp, .PublicDnsName] | map(select(. != null and . != "")) | first // empty' $<); \
	user=$$(jq -r '.User // "ubuntu"' $<); \
	name=$$(jq -r '.InstanceId // "sandbox"' $<); \
	if [ -f "$$dir/key.pem" ]; then key=$$dir/key.pem; \
	elif [ -f "$$dir/keypair.json" ]; then key=$$(jq -r '.KeyFile // empty' "$$dir/keypair.json"); \
	else key=; fi; \
	[ -n "$$host" ] || { echo "$<: no PublicIp or PublicDnsName" >&2; exit 1; }; \
	[ -n "$$key" ] && [ -f "$$key" ] || { echo "$$dir: no key.pem, nor a KeyFile in keypair.json that exists" >&2; exit 1; }; \
	key=$$(realpath "$$key"); absdir=$$(realpath "$$dir"); \
	{ echo "# Generated by make from $<; remade when it changes."; \
	  echo "[sandbox]"; \
	  echo "$$name ansible_host=$$host ansible_user=$$user ansible_ssh_private_key_file=$$key"; \
	  echo; \
	  echo "[sandbox:vars]"; \
	  echo "# A new instance's host key is unknown: accept it once, keep it beside this file."; \
	  echo "ansible_ssh_common_args='-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=$$absdir/known_hosts'"; \
	} >$@
	@echo "$@: $$(grep -m1 ansible_host $@ | cut -d' ' -f1-3)" >&2

ansible-need-asset-id:
	@echo "set ASSET_ID (the instance's files are in $(BUILD)/ASSET_ID/)" >&2; exit 1

## ansible-provision: install.yml, then reset-password.yml, on the instance of ASSET_ID
ansible-provision: $(ANSIBLE_VENV_STAMP) inventory
	@[ -n "$${SANDBOX_DEFAULT_PASSWORD:-}$(SANDBOX_PASSWORD_VARS)" ] || { \
	  echo "set SANDBOX_DEFAULT_PASSWORD (or SANDBOX_PASSWORD_VARS=vars-file)" >&2; exit 1; }
	$(ANSIBLE_PLAYBOOK) -i $(ANSIBLE_INVENTORY) $(ANSIBLE_PASSWORD_ARGS) ansible/install.yml
	$(ANSIBLE_PLAYBOOK) -i $(ANSIBLE_INVENTORY) $(ANSIBLE_PASSWORD_ARGS) ansible/reset-password.yml

## ansible-clean: remove the test systems (unmounting what a failed run left mounted)
ansible-clean:
	@for d in $(ANSIBLE_TESTSYSTEM) $(BUILD)/ansible/test/rootfs $(BUILD)/ansible/rootfs.build; do \
	  bash -c '. ansible/tests/lib.sh && remove_rootfs "$$1"' _ "$$d"; done
	rm -rf $(BUILD)/ansible

.PHONY: ansible-venv ansible-lint ansible-rootfs ansible-testsystem ansible-testsystem-provision \
  test-ansible inventory ansible-need-asset-id ansible-provision ansible-clean \
  $(ANSIBLE_TESTSYSTEM_INVENTORY)
