# sandbox-release: the release as a graph of make targets and state files.
# `make help` lists the targets. Every recipe runs in bash with errexit and pipefail.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := build
MAKEFLAGS += --no-builtin-rules

BUILD   ?= build
# A second checkout or a parallel build can use its own SwiftPM scratch folder (.build-NAME).
SCRATCH ?= .build
BIN     := $(SCRATCH)/release
VENV    ?= $(BUILD)/venv
PYTHON  := $(VENV)/bin/python
# The official SigV4 test vectors live beside the repository, never inside it.
SIGV4_SUITE ?= $(abspath ../shared/sigv4-test-suite)

## help: list the targets
help:
	@grep -hE '^## ' $(MAKEFILE_LIST) | sed -E 's/^## //' | awk -F': ' '{ name = $$1; sub(/^[^:]*: /, ""); printf "  %-28s %s\n", name, $$0 }'

## build: the release binaries of every tool under .build/release
build: $(BUILD)/.deps-apt
	swift build -c release --scratch-path $(SCRATCH)

include Tests/deps.mk
include Tests/tests.mk
include Tests/bench.mk
include Tests/emulator/emulator.mk
include stacks/stacks.mk
include ansible/ansible.mk
include ansible/image.mk

.PHONY: help build

# --- The release ------------------------------------------------------------------------------
# Each step writes its JSON under build/<asset-id>/ only when it succeeded, so make's own
# up-to-date check is the resume logic, and the exports (independent targets) run side by side.

ASSET_ID          ?=
IMAGES_PREFIX     ?= images
FORMATS           ?= vmdk vhd raw
INSTANCE_TYPE     ?= t3.large
# The AMI to start from; empty: the newest Canonical Ubuntu 22.04 amd64 image.
SOURCE_AMI        ?=
# Who may reach ssh and Jupyter on the temporary instance.
SOURCE_CIDR       ?= 0.0.0.0/0
OWNER             ?= $(USER)
MAKE_PUBLIC       ?=
KEEP_ON_ERROR     ?=
# Use the tools in BIN as they are (the end-to-end tests run beside `swift test`, which holds .build).
NO_BUILD          ?=
TOOLS              = $(if $(NO_BUILD),,build)
SKIP_INSTALL      ?=
# The VM bucket, its export role and CloudFront domain: empty means the VM bucket stack's outputs.
VM_BUCKET         ?=
EXPORT_ROLE       ?=
CDN_DOMAIN        ?=
# Where the playbooks run: the instance (generated inventory), or in the demo the local test system.
INSTALL_INVENTORY ?= $(D)/inventory.ini
INSTALL_RUN       ?=
WAIT_SSH          ?= 1
SSH_TIMEOUT       ?= 600

D          = $(BUILD)/$(ASSET_ID)
IMAGE_NAME = data-science-sandbox-$(ASSET_ID)
EC2_STACK  = $(STACK_EC2_PREFIX)$(subst .,-,$(subst _,-,$(ASSET_ID)))
EXPORTS    = $(foreach f,$(FORMATS),$(D)/export-$(f).json)
CANONICAL  := 099720109477
UBUNTU_2204 := ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*
json       = jq -r '$(2)' $(1)
# The VM bucket's name, and its CloudFront domain as the flag $(1) when the bucket has one.
vm_bucket  = $$($(call json,$(D)/vm-bucket.json,.BucketName))
cdn_flag   = $$(jq -r '.DistributionDomainName | select(. != null and . != "") | "$(1) " + .' $(D)/vm-bucket.json)

## release: the whole release of ASSET_ID (FORMATS, MAKE_PUBLIC=1, INSTANCE_TYPE, SOURCE_AMI); resumes
release: require-asset-id $(TOOLS)
	@status=0; trap 'status=130' INT; trap 'status=143' TERM; \
	$(MAKE) --no-print-directory -j $(words $(FORMATS) x) $(D)/assets.md || { [ $$status -ne 0 ] || status=$$?; }; \
	if [ $$status -ne 0 ]; then \
	  trap '' INT TERM; \
	  if [ -z "$(KEEP_ON_ERROR)" ]; then \
	    echo "release: failed (exit $$status); removing the EC2 stack and key pair of $(ASSET_ID)" >&2; \
	    $(MAKE) --no-print-directory teardown || echo "release: teardown failed too; see: make show-assets ASSET_ID=$(ASSET_ID)" >&2; \
	  fi; \
	  echo "release: resume with 'make release ASSET_ID=$(ASSET_ID)'; remove everything it made with 'make purge ASSET_ID=$(ASSET_ID) CONFIRM=yes'" >&2; \
	  exit $$status; \
	fi; \
	cat $(D)/assets.md

# Listed before `build`, so a forgotten ASSET_ID fails at once.
require-asset-id:
	@[ -n "$(ASSET_ID)" ] || { echo "set ASSET_ID, e.g. make $(firstword $(MAKECMDGOALS)) ASSET_ID=1.2.0" >&2; exit 2; }

$(D)/.dir:
	@mkdir -p $(@D) && touch $@

# The newest Canonical Ubuntu 22.04 amd64 image, unless SOURCE_AMI names one.
$(D)/source-ami.json: | $(D)/.dir
	@echo "release: source AMI" >&2
	$(BIN)/aws-sign-request --filter '.json.imagesSet | sort_by(.creationDate) | last // error("no such image") | {ImageId: .imageId, Name: .name, CreationDate: .creationDate}' \
	  <<<'{"service":"ec2","headers":{"Content-Type":"application/x-www-form-urlencoded; charset=utf-8"},"body":"Action=DescribeImages&Version=2016-11-15&$(if $(SOURCE_AMI),ImageId.1=$(SOURCE_AMI),Owner.1=$(CANONICAL)&Filter.1.Name=name&Filter.1.Value.1=$(subst /,%2F,$(subst *,%2A,$(UBUNTU_2204))))&Filter.2.Name=state&Filter.2.Value.1=available"}' >$@

# Where the images go: the VM bucket stack's outputs, or VM_BUCKET/EXPORT_ROLE/CDN_DOMAIN.
$(D)/vm-bucket.json: | $(D)/.dir
ifeq ($(VM_BUCKET),)
	$(CFN_DEPLOY) --describe --stack $(STACK_VM_BUCKET) --filter .Outputs >$@
else
	jq -n '{BucketName: "$(VM_BUCKET)", ExportRoleName: "$(or $(EXPORT_ROLE),vmimport)", DistributionDomainName: "$(CDN_DOMAIN)"}' >$@
endif

$(D)/keypair.json: $(D)/source-ami.json
	$(BIN)/keypair create --asset-id $(ASSET_ID) --key-file $(D)/key.pem >$@

$(D)/stack.json: $(D)/keypair.json $(D)/source-ami.json
	$(CFN_DEPLOY) --stack $(EC2_STACK) --template stacks/ec2-instance.yaml \
	  --param ImageId=$$($(call json,$(D)/source-ami.json,.ImageId)) --param KeyName=$$($(call json,$(D)/keypair.json,.KeyName)) \
	  --param InstanceType=$(INSTANCE_TYPE) --param SourceCidr=$(SOURCE_CIDR) --param AssetId=$(ASSET_ID) \
	  --param Owner=$(or $(OWNER),release) --tag asset-id=$(ASSET_ID) --delete-failed >$@

# The instance is running once its stack is complete; its ssh port must answer before Ansible.
$(D)/instance.json: $(D)/stack.json
	jq '{InstanceId: .Outputs.InstanceId, PublicDnsName: .Outputs.PublicDnsName, PublicIp: .Outputs.PublicIp, User: "ubuntu"}' $< >$@.new
ifeq ($(WAIT_SSH)$(SKIP_INSTALL),1)
	@host=$$($(call json,$@.new,.PublicIp // .PublicDnsName)); deadline=$$((SECONDS + $(SSH_TIMEOUT))); delay=1; \
	until [ "$$(timeout 5 bash -c 'exec 3<>/dev/tcp/$$0/22 && head -c 4 <&3' "$$host" 2>/dev/null)" = "SSH-" ]; do \
	  [ $$SECONDS -lt $$deadline ] || { echo "release: ssh on $$host did not answer within $(SSH_TIMEOUT) s" >&2; exit 1; }; \
	  echo "release: waiting for ssh on $$host" >&2; sleep $$delay; delay=$$(( delay < 8 ? delay * 2 : 15 )); \
	done
endif
	@mv $@.new $@

$(D)/installed.stamp: $(D)/instance.json $(if $(SKIP_INSTALL),,$(ANSIBLE_VENV_STAMP) $(filter $(D)/inventory.ini,$(INSTALL_INVENTORY)))
ifeq ($(SKIP_INSTALL),)
	@[ -n "$${SANDBOX_DEFAULT_PASSWORD:-}$(SANDBOX_PASSWORD_VARS)" ] || { echo "release: set SANDBOX_DEFAULT_PASSWORD in the environment (Jupyter and the login share it)" >&2; exit 2; }
	$(INSTALL_RUN) $(ANSIBLE_PLAYBOOK) -i $(INSTALL_INVENTORY) $(ANSIBLE_PASSWORD_ARGS) ansible/install.yml
else
	@echo "release: SKIP_INSTALL is set: the install playbook is skipped, the image is the bare source AMI" >&2
endif
	@touch $@

# The default password comes from SANDBOX_DEFAULT_PASSWORD (or SANDBOX_PASSWORD_VARS), never a command line.
$(D)/password.stamp: $(D)/installed.stamp
ifeq ($(SKIP_INSTALL),)
	$(INSTALL_RUN) $(ANSIBLE_PLAYBOOK) -i $(INSTALL_INVENTORY) $(ANSIBLE_PASSWORD_ARGS) ansible/reset-password.yml
else
	@echo "release: SKIP_INSTALL is set: the reset-password playbook is skipped" >&2
endif
	@touch $@

$(D)/ami.json: $(D)/password.stamp
	$(BIN)/ami-export image --instance-id $$($(call json,$(D)/instance.json,.InstanceId)) --name $(IMAGE_NAME) --asset-id $(ASSET_ID) >$@

$(D)/export-%.json: $(D)/ami.json $(D)/vm-bucket.json
	$(BIN)/ami-export export --format $* --asset-id $(ASSET_ID) --name $(IMAGE_NAME) \
	  --bucket $(vm_bucket) --role $$($(call json,$(D)/vm-bucket.json,.ExportRoleName)) \
	  --prefix $(IMAGES_PREFIX)/$(ASSET_ID)/ $(call cdn_flag,--cloudfront-domain) \
	  <$(D)/ami.json >$@

$(D)/public.stamp: $(D)/ami.json
	$(if $(MAKE_PUBLIC),$(BIN)/ami-export make-public --image-id $$($(call json,$<,.ImageId)) >&2,@echo "release: the AMI stays private (MAKE_PUBLIC=1 shares it)" >&2)
	@touch $@

# The instance is no longer needed once its AMI exists: remove it while the exports run.
$(D)/teardown.stamp: $(D)/ami.json
	@$(MAKE) --no-print-directory teardown
	@touch $@

## teardown: remove the EC2 stack and key pairs of ASSET_ID (what a release or a failure leaves running)
teardown: require-asset-id
	$(CFN_DEPLOY) --delete --stack $(EC2_STACK) >/dev/null
	$(BIN)/list-assets --asset-id $(ASSET_ID) --kinds key-pair | $(BIN)/purge-assets --yes >/dev/null
	rm -f $(D)/key.pem $(D)/keypair.json $(D)/stack.json $(D)/instance.json $(D)/inventory.ini
	@[ -f $(D)/ami.json ] || rm -f $(D)/installed.stamp $(D)/password.stamp

$(D)/released.stamp: $(EXPORTS) $(D)/public.stamp $(D)/teardown.stamp
	@touch $@

$(D)/assets.md: $(D)/released.stamp $(D)/vm-bucket.json
	$(BIN)/list-assets --asset-id $(ASSET_ID) --format markdown --bucket $(vm_bucket) $(call cdn_flag,--cdn-domain) >$@

.PHONY: release require-asset-id teardown

# --- The demo: the whole release on the local emulator -----------------------------------------

DEMO_ASSET_ID ?= demo-$(shell date -u +%Y%m%d-%H%M%S)

## demo: the whole release on the local emulator; the playbooks run on a local Debian test system
demo: build $(VENV)/.stamp
	@$(MAKE) --no-print-directory emulator
	@status=0; $(MAKE) --no-print-directory demo-release DEMO_ASSET_ID=$(DEMO_ASSET_ID) || status=$$?; \
	$(MAKE) --no-print-directory emulator-stop; exit $$status

# The permanent VM bucket stack first, then the release; emulator instances have no operating
# system, so the local Debian test system stands in for the instance in the install steps.
demo-release:
	@set -a; . $(EMULATOR_ENV); set +a; \
	$(CFN_DEPLOY) --stack $(STACK_VM_BUCKET) --template stacks/vm-bucket.yaml >/dev/null; \
	SANDBOX_DEFAULT_PASSWORD=$$(head -c 18 /dev/urandom | base64); export SANDBOX_DEFAULT_PASSWORD; \
	if [ "$$(id -u)" = 0 ]; then \
	  $(MAKE) --no-print-directory ansible-testsystem; \
	  $(MAKE) --no-print-directory release ASSET_ID=$(DEMO_ASSET_ID) WAIT_SSH=0 \
	    INSTALL_INVENTORY=$(ANSIBLE_TESTSYSTEM_INVENTORY) INSTALL_RUN="$(ANSIBLE_TESTSYSTEM_RUN)"; \
	else \
	  echo "demo: not root, so no local Debian test system can be built: the install and reset-password steps are skipped" >&2; \
	  $(MAKE) --no-print-directory release ASSET_ID=$(DEMO_ASSET_ID) SKIP_INSTALL=1; \
	fi

# --- CodeBuild ---------------------------------------------------------------------------------

codebuild_call = jq -cn --arg target '$(1)' --argjson body "$(2)" \
  '{service: "codebuild", headers: {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": ("CodeBuild_20161006." + $$target)}, body: ($$body | tojson)}' \
  | $(BIN)/aws-sign-request -c --filter '$(3)'

## start-release: run the release of ASSET_ID in its CodeBuild project (MAKE_PUBLIC=1), following its phases
start-release: require-asset-id $(TOOLS)
	@project=$$($(CFN_DEPLOY) --describe --stack $(STACK_RELEASE_CODEBUILD) -r --filter '.Outputs.ProjectName // error("no ProjectName output")'); \
	request=$$(jq -cn --arg p "$$project" --arg id "$(ASSET_ID)" --arg public "$(MAKE_PUBLIC)" \
	  '{projectName: $$p, idempotencyToken: ("release-" + $$id), environmentVariablesOverride: [{name: "ASSET_ID", value: $$id, type: "PLAINTEXT"}, {name: "MAKE_PUBLIC", value: $$public, type: "PLAINTEXT"}]}'); \
	id=$$($(call codebuild_call,StartBuild,$$request,.json.build.id) | jq -r .); \
	echo "start-release: build $$id of $$project" >&2; \
	last=; delay=2; \
	while :; do \
	  build=$$($(call codebuild_call,BatchGetBuilds,$$(jq -cn --arg id "$$id" '{ids: [$$id]}'),.json.builds[0])); \
	  now=$$(jq -r '"\(.currentPhase) \(.buildStatus)"' <<<"$$build"); \
	  [ "$$now" = "$$last" ] || echo "start-release: $$now" >&2; last=$$now; \
	  [ "$$(jq -r .buildStatus <<<"$$build")" = IN_PROGRESS ] || break; \
	  sleep $$delay; delay=$$(( delay < 15 ? delay + 2 : 15 )); \
	done; \
	jq . <<<"$$build"; \
	[ "$$(jq -r .buildStatus <<<"$$build")" = SUCCEEDED ] || { echo "start-release: build $$id ended $$(jq -r .buildStatus <<<"$$build")" >&2; exit 1; }

.PHONY: demo demo-release start-release

# Assets
# What a release (ASSET_ID: an asset-id or a glob such as 1.2.*) left behind, shown or removed.

## show-assets: list what ASSET_ID left behind, as a table (ASSET_ID=1.2.0 or a glob such as 1.2.*)
show-assets: require-asset-id $(TOOLS)
	$(BIN)/list-assets --asset-id '$(ASSET_ID)' --format table

## purge: remove what ASSET_ID left behind; a dry run unless CONFIRM=yes
purge: require-asset-id $(TOOLS)
	$(BIN)/list-assets --asset-id '$(ASSET_ID)' --format json \
	  | $(BIN)/purge-assets $(if $(filter yes,$(CONFIRM)),--yes,--dry-run)

.PHONY: show-assets purge
