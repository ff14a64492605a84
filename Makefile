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

# --- Inputs: every variable a user may set is checked before anything expands it --------------
# Each value is read unexpanded ($(value)) and matched against its rule by bash, quoted, so
# ASSET_ID='$(shell …)' or '$$(…)' is text, never code. A value that breaks its rule stops make
# here, with one line and exit 2, before any recipe; the README's table gives each one's meaning
# and default, and `make test-readme` fails on a variable with a default (?=) but no rule. Recipes
# then read these values as quoted environment variables ("$$ASSET_ID"), never pasted in code.
asset_id_rule := ^([0-9A-Za-z][0-9A-Za-z._-]{0,63})?$$
asset_id_what := 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit (e.g. 1.2.0)
path_rule     := ^[A-Za-z0-9._/+-]+$$
url_rule      := ^[A-Za-z0-9._~:/?\#@!&+,;=%-]*$$
flag_rule     := ^1?$$
octet         := (25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])
cidr          := ($(octet)\.){3}$(octet)/([0-9]|[12][0-9]|3[0-2])
bucket_rule   := ^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$$
# show-assets and purge take a glob (1.2.*); everything else one release's asset-id. The
# wildcards are EC2's tag filters' own, as in list-assets and purge-assets: * and ?, no [ ].
ifeq ($(filter-out show-assets purge,$(MAKECMDGOALS)),)
input_rule.ASSET_ID := ^[0-9A-Za-z._*?-]{0,64}$$
input_what.ASSET_ID := an asset-id or a glob of one (1.2.*): up to 64 of A-Z a-z 0-9 . _ - and the wildcards * (any characters) and ? (one); EC2's tag filters know no other, such as [ ]
else
input_rule.ASSET_ID := $(asset_id_rule)
input_what.ASSET_ID := $(asset_id_what)
endif
input_rule.DEMO_ASSET_ID := $(asset_id_rule)
input_what.DEMO_ASSET_ID := $(asset_id_what)
input_rule.FORMATS := ^ *(vmdk|vhd|raw)( +(vmdk|vhd|raw))* *$$
input_what.FORMATS := one or more of vmdk vhd raw, separated by spaces
input_rule.VERIFY_BOOT_FORMAT := ^(vmdk|vhd|raw)$$
input_what.VERIFY_BOOT_FORMAT := one of vmdk vhd raw (one of FORMATS)
input_rule.VERIFY_CELLS := ^( *(bios|uefi)-(virtio|ahci|ide|vmware))* *$$
input_what.VERIFY_CELLS := cells of the boot matrix such as bios-virtio uefi-ahci, separated by spaces
input_rule.VERIFY_PARALLEL := ^([1-9][0-9]?)?$$
input_what.VERIFY_PARALLEL := how many boots side by side (1 to 99), or empty for one per core
input_rule.COPY_THRESHOLD := ^([1-9][0-9]{0,12}(KiB|MiB|GiB|TiB)?)?$$
input_what.COPY_THRESHOLD := a size such as 1GiB (KiB, MiB, GiB, TiB), or empty for 5GiB
input_rule.ROOT_VOLUME_GIB := ^([89]|[1-9][0-9]{1,2})$$
input_what.ROOT_VOLUME_GIB := a number of GiB, 8 (the Ubuntu AMI's own) to 999
input_rule.INSTANCE_TYPE := ^[a-z][a-z0-9-]*\.[a-z0-9]+$$
input_what.INSTANCE_TYPE := an EC2 instance type such as t3.large
input_rule.SOURCE_AMI := ^(ami-[0-9a-f]{8,17})?$$
input_what.SOURCE_AMI := an AMI id (ami- and 8 to 17 hex digits), or empty for the newest Ubuntu 22.04
input_rule.SOURCE_CIDR := ^($(cidr))?$$
input_what.SOURCE_CIDR := one IPv4 CIDR such as 203.0.113.7/32
input_rule.SOURCE_SECURITY_GROUP := ^(sg-[0-9a-f]{8,17})?$$
input_what.SOURCE_SECURITY_GROUP := a security group id (sg- and 8 to 17 hex digits)
input_rule.BUILD_SUBNET_IDS := ^(subnet-[0-9a-f]{8,17}(,subnet-[0-9a-f]{8,17})*)?$$
input_what.BUILD_SUBNET_IDS := subnet ids (subnet- and 8 to 17 hex digits) separated by commas
input_rule.ALLOWED_IPS := ^($(cidr)(,$(cidr))*)?$$
input_what.ALLOWED_IPS := IPv4 CIDRs separated by commas
input_rule.ALLOWED_IPV6 := ^([0-9A-Fa-f:]*:[0-9A-Fa-f:]*/[0-9]{1,3}(,[0-9A-Fa-f:]*:[0-9A-Fa-f:]*/[0-9]{1,3})*)?$$
input_what.ALLOWED_IPV6 := IPv6 CIDRs separated by commas, such as 2001:db8::/48
input_rule.CAPTCHA_IMMUNITY := ^([1-9][0-9]{1,5})?$$
input_what.CAPTCHA_IMMUNITY := a number of seconds (60 to 259200)
input_rule.VPC_ID := ^(vpc-[0-9a-f]{8,17})?$$
input_what.VPC_ID := a VPC id (vpc- and 8 to 17 hex digits), or empty for the default VPC
input_rule.SUBNET_ID := ^(subnet-[0-9a-f]{8,17})?$$
input_what.SUBNET_ID := a subnet id (subnet- and 8 to 17 hex digits), or empty for the default VPC
input_rule.OWNER := ^[A-Za-z0-9 _.:/=+@-]{0,256}$$
input_what.OWNER := a tag value: up to 256 of letters, digits, spaces and _ . : / = + - @
input_rule.VM_BUCKET := $(bucket_rule)
input_what.VM_BUCKET := an S3 bucket name (3 to 63 of a-z 0-9 . -)
input_rule.BUCKET_NAME := $(bucket_rule)
input_what.BUCKET_NAME := $(input_what.VM_BUCKET)
input_rule.EXPORT_ROLE := ^([A-Za-z0-9+=,.@_-]{1,64})?$$
input_what.EXPORT_ROLE := an IAM role name (1 to 64 of A-Z a-z 0-9 + = , . @ _ -)
input_rule.CDN_DOMAIN := ^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)?$$
input_what.CDN_DOMAIN := a domain name such as d111111abcdef8.cloudfront.net
input_rule.IMAGES_PREFIX := ^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$$
input_what.IMAGES_PREFIX := an S3 key prefix without a trailing slash (images), segments not starting with a dot
input_rule.STAGING_PREFIX := $(input_rule.IMAGES_PREFIX)
input_what.STAGING_PREFIX := an S3 key prefix without a trailing slash (staging), segments not starting with a dot
input_rule.CONFIRM := ^(yes)?$$
input_what.CONFIRM := CONFIRM=yes to remove; leave it out for a dry run
input_rule.EXPECT_COUNT := ^([0-9]{1,9})?$$
input_what.EXPECT_COUNT := the number of assets the dry run listed (a glob ASSET_ID with CONFIRM=yes needs it)
input_rule.WAIT_SSH := ^[01]$$
input_what.WAIT_SSH := 1 or 0
input_rule.SSH_TIMEOUT := ^[1-9][0-9]{0,5}$$
input_what.SSH_TIMEOUT := a number of seconds
input_rule.RATE_LIMIT := ^([1-9][0-9]{0,9})?$$
input_what.RATE_LIMIT := a number of requests
input_rule.EMULATOR_PORT := ^([1-9][0-9]{0,4})?$$
input_what.EMULATOR_PORT := a TCP port number
input_rule.REGION := ^([a-z]{2,4}(-[a-z]+)+-[0-9]+)?$$
input_what.REGION := an AWS region such as eu-west-1
input_rule.PRICE_CLASS := ^(PriceClass_(100|200|All))?$$
input_what.PRICE_CLASS := PriceClass_100, PriceClass_200 or PriceClass_All
input_rule.SOURCE_TYPE := ^[A-Z0-9_]*$$
input_what.SOURCE_TYPE := a CodeBuild source type such as GITHUB
input_rule.SOURCE_VERSION := ^[A-Za-z0-9._/-]*$$
input_what.SOURCE_VERSION := a branch, tag or commit
input_rule.DEFAULT_PASSWORD_SECRET_ARN := \
  ^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+)?$$
input_what.DEFAULT_PASSWORD_SECRET_ARN := the ARN of a Secrets Manager secret
input_rule.DEBIAN_SUITE := ^[a-z]+$$
input_what.DEBIAN_SUITE := a Debian suite such as bookworm
input_rule.TESTSYSTEM_GIB := ^[1-9][0-9]?$$
input_what.TESTSYSTEM_GIB := a number of GiB (1 to 99)
input_rule.INSTALL_RUN := ^[A-Za-z0-9._/+ -]*$$
input_what.INSTALL_RUN := a command prefix of paths and words
input_rule.VERIFY_ACCEL := ^(tcg|kvm)?$$
input_what.VERIFY_ACCEL := tcg or kvm (empty: tcg)
input_rule.EMULATOR_TIMEOUT := ^[1-9][0-9]{0,3}$$
input_what.EMULATOR_TIMEOUT := a number of seconds
$(foreach v,MAKE_PUBLIC KEEP_ON_ERROR SKIP_INSTALL NO_BUILD ALLOW_ANY_SOURCE ALLOW_SKIPS VERIFY_AMI VERIFY_DOWNLOADS DEMO_DISK \
  INCLUDE_PUBLISHED PREFLIGHT,\
  $(eval input_rule.$(v) := $(flag_rule))$(eval input_what.$(v) := 1 or empty))
$(foreach v,BUILD SCRATCH VENV ANSIBLE_VENV CHECKOV_VENV SIGV4_SUITE INSTALL_INVENTORY IMAGE_DISK IMAGE_ROOTFS,\
  $(eval input_rule.$(v) := $(path_rule))$(eval input_what.$(v) := a path of A-Z a-z 0-9 . _ / + -))
input_rule.MUTANTS := ^[a-z0-9 -]*$$
input_what.MUTANTS := names of Tests/mutants/mutants.txt, separated by spaces
input_rule.SANDBOX_PASSWORD_VARS := ^[A-Za-z0-9._/+-]*$$
input_what.SANDBOX_PASSWORD_VARS := a path of A-Z a-z 0-9 . _ / + -, or empty
$(foreach v,SOURCE_LOCATION DEBIAN_MIRROR,$(eval input_rule.$(v) := $(url_rule))$(eval input_what.$(v) := a URL))

# Only what the user set (command line or environment) is checked: the defaults are ours.
input_variables = $(patsubst input_rule.%,%,$(filter input_rule.%,$(.VARIABLES)))
input_set := $(foreach v,$(input_variables),\
  $(if $(filter command environment override,$(firstword $(origin $(v)))),$(v)))
# $(shell) drops newlines from its command: a newline becomes \n, which no rule allows.
define newline


endef
sq = '$(subst $(newline),\n,$(subst ','\'',$(1)))'
ifneq ($(strip $(input_set)),)
input_invalid := $(shell export LC_ALL=C; set -- $(foreach v,$(input_set),$(v) $(call sq,$(value $(v))) \
  $(call sq,$(input_rule.$(v)))); while [ "$${1+set}" ]; do [[ $$2 =~ $$3 ]] || { echo "$$1"; break; }; shift 3; done)
$(if $(input_invalid),$(error $(input_invalid) is not valid: expected $(input_what.$(input_invalid))))
endif

## help: list the targets
help:
	@grep -hE '^## ' $(MAKEFILE_LIST) | sed -E 's/^## //; s/\$$\(EMULATOR_PORT\)/$(EMULATOR_PORT)/g' \
	  | awk -F': ' '{ name = $$1; sub(/^[^:]*: /, ""); printf "  %-28s %s\n", name, $$0 }'

# Every target may import only what Package.swift says it depends on: the layers are checked.
SWIFT_LAYER_CHECK := --explicit-target-dependency-import-check error

# One layout for the Swift code, .swift-format's: `make format` applies it, `make lint` (and so
# `make test`) fails on any difference. swift-format ships with the Swift toolchain.
SWIFT_SOURCES := Package.swift Sources Tests

## format: format the Swift code in place (swift-format)
format:
	swift-format format --in-place --recursive --parallel $(SWIFT_SOURCES)

## lint-swift: check the Swift code's format (part of lint)
lint-swift:
	swift-format lint --strict --recursive --parallel $(SWIFT_SOURCES)
lint: lint-swift
.PHONY: format lint-swift

# The commit `--version` names (Sources/CBuildInfo): written only when it changes, so a build at
# the same commit compiles nothing again; touching build_info.c makes a first header count. A
# tree without git (a source archive) says "unknown"; tracked files that differ add "-dirty".
BUILD_COMMIT_H := Sources/CBuildInfo/build_commit.h

## build: the release binaries of every tool under .build/release
build: $(BUILD)/.deps-apt
	@c=$$(git rev-parse --short=12 HEAD 2>/dev/null) || c=unknown; \
	if [ "$$c" != unknown ] && ! git diff --quiet HEAD -- 2>/dev/null; then c="$$c-dirty"; fi; \
	line="#define SANDBOX_BUILD_COMMIT \"$$c\""; \
	[ "$$(cat $(BUILD_COMMIT_H) 2>/dev/null)" = "$$line" ] \
	  || { echo "$$line" >$(BUILD_COMMIT_H); touch Sources/CBuildInfo/build_info.c; }
	swift build -c release --scratch-path $(SCRATCH) $(SWIFT_LAYER_CHECK)

# What the build and the test ground need, installed on demand so that `make test` and
# `make demo` work on a fresh Debian machine (as root, or with sudo).

APT_PACKAGES := libcurl4-openssl-dev libssl-dev libjq-dev jq
# What the tests use besides: ssh-keygen checks the key files keypair writes.
APT_PACKAGES += openssh-client
# The HTTPS proxy the TLS tests go through (the binary only: no service is started).
APT_PACKAGES += tinyproxy-bin
# gpg checks the Swift toolchain's signature (buildspec/install-swift.sh and its test).
APT_PACKAGES += gnupg
# ip netns: the container-credentials test gives a tool its own network (CredentialSourceTests).
APT_PACKAGES += iproute2
# Non-empty when make runs as root (the Debian test system needs root).
AS_ROOT := $(filter 0,$(shell id -u))
SUDO := $(if $(AS_ROOT),,sudo)

## deps: install the system libraries the tools link against (apt)
deps: $(BUILD)/.deps-apt
$(BUILD)/.deps-apt: Makefile
	@mkdir -p $(@D)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then missing="$$missing python3-venv"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$(echo $$missing)" >&2; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >&2; \
	fi
	@touch $@
.PHONY: deps

include Tests/tests.mk
include Tests/bench.mk
include Tests/emulator/emulator.mk
include Tests/codebuild/codebuild.mk
include stacks/stacks.mk
include ansible/ansible.mk
include ansible/image.mk

.PHONY: help build

# --- The release ------------------------------------------------------------------------------
# Each step writes its JSON under build/<asset-id>/ only when it succeeded (to a temporary name,
# then renamed: a kill mid-write never leaves a file that counts as done), so make's own
# up-to-date check is the resume logic, and the exports (independent targets) run side by side.

ASSET_ID          ?=
IMAGES_PREFIX     ?= images
# Where ExportImage writes, outside what CloudFront serves (IMAGES_PREFIX): each image is moved to
# IMAGES_PREFIX/<asset-id>/ once the release verified it.
STAGING_PREFIX    ?= staging
FORMATS           ?= vmdk vhd raw
# An exported image above this size is moved by UploadPartCopy parts (ami-export --copy-threshold);
# empty: 5GiB, the largest object CopyObject copies.
COPY_THRESHOLD    ?=
INSTANCE_TYPE     ?= t3.large
# The build instance's root volume, and so the image's disk, in GiB: the data (about 5 GB after
# the playbooks) plus a margin; every copy off EC2 grows its root to a larger disk at boot, EC2
# grows its own. Its free space is zeroed before the AMI, so the exports carry data, not a
# larger volume's leftovers (RAW is the whole volume).
ROOT_VOLUME_GIB   ?= 8
# The AMI to start from; empty: the newest Canonical Ubuntu 22.04 amd64 image.
SOURCE_AMI        ?=
# Who may reach ssh and Jupyter on the temporary instance: required (your address as /32);
# 0.0.0.0/0 only with ALLOW_ANY_SOURCE=1.
SOURCE_CIDR       ?=
ALLOW_ANY_SOURCE  ?=
# Or a security group of VPC_ID whose members may reach them, on the instance's private address:
# the release CodeBuild project's builds (their group; the project hands it to each build).
SOURCE_SECURITY_GROUP ?=
# The instance's owner tag; empty: $USER.
OWNER             ?=
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
CONFIRM           ?=
# Nothing ships unverified (README, "Nothing ships unverified"): make-public and assets.md wait
# for verify-ami (an instance of the new AMI checked over the network) unless SKIP_INSTALL=1
# (the image is then the bare source AMI: nothing of ours to check), and with VERIFY_DOWNLOADS=1
# for verify-image on every exported file.
VERIFY_AMI        ?= $(if $(SKIP_INSTALL),,1)
VERIFY_DOWNLOADS  ?=
# The demo only: the local test system becomes the emulator instance's disk before the AMI step.
DEMO_DISK         ?=
# make preflight runs before the release's first change (the key pair, the security group), once
# per asset-id; PREFLIGHT= (empty) leaves it out.
PREFLIGHT         ?= 1
# Recipes read the user's values from the environment, quoted: "$$ASSET_ID". REGION, when given,
# is every tool's region (AWS_REGION), in every target that talks to AWS.
ifneq ($(REGION),)
export AWS_REGION := $(REGION)
endif
export ASSET_ID IMAGES_PREFIX STAGING_PREFIX FORMATS COPY_THRESHOLD INSTANCE_TYPE ROOT_VOLUME_GIB SOURCE_AMI SOURCE_CIDR ALLOW_ANY_SOURCE OWNER \
  SOURCE_SECURITY_GROUP \
  VM_BUCKET EXPORT_ROLE CDN_DOMAIN SSH_TIMEOUT MAKE_PUBLIC KEEP_ON_ERROR VPC_ID SUBNET_ID

D          = $(BUILD)/$(ASSET_ID)
# Shell text: use it inside double quotes.
IMAGE_NAME = data-science-sandbox-$$ASSET_ID
# The one place an asset-id becomes its EC2 stack's name. CloudFormation allows letters, digits
# and "-", so "-" escapes: "-" is "--", "." is "-d", "_" is "-u". Every "-" of the suffix starts
# an escape, so two asset-ids never share a stack (1.2.0: 1-d2-d0, 1-2-0: 1--2--0, 1_2_0: 1-u2-u0).
EC2_STACK  = $(STACK_EC2_PREFIX)$(subst _,-u,$(subst .,-d,$(subst -,--,$(ASSET_ID))))
EXPORTS    = $(foreach f,$(FORMATS),$(D)/export-$(f).json)
PUBLISHED  = $(foreach f,$(FORMATS),$(D)/publish-$(f).json)
VERIFIED   = $(if $(VERIFY_AMI),$(D)/ami-verify.json) $(if $(VERIFY_DOWNLOADS),$(D)/sha256sums.stamp)
CANONICAL  := 099720109477
UBUNTU_2204 := ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*
json       = jq -r '$(2)' $(1)
# The VM bucket's name, and its CloudFront domain as the flag $(1) when the bucket has one.
vm_bucket  = $$($(call json,$(D)/vm-bucket.json,.BucketName))
cdn_flag   = $$(jq -r '.DistributionDomainName | select(. != null and . != "") | "$(1) " + .' $(D)/vm-bucket.json)
# A step whose result exists is done: once the AMI exists, the instance's steps are not its
# inputs any more (the teardown removed their files), so a re-run never makes an instance again.
unless_done = $(if $(wildcard $(1)),,$(2))

# The temporary instance's ssh and Jupyter are open to SOURCE_CIDR only; to everyone on request;
# or to SOURCE_SECURITY_GROUP, a group of VPC_ID (the instance is then in SUBNET_ID of that VPC).
require_source_cidr = if [ -n "$${SOURCE_SECURITY_GROUP}" ]; then \
  [ -z "$${SOURCE_CIDR}" ] || { echo "release: give SOURCE_CIDR or SOURCE_SECURITY_GROUP, not both" >&2; exit 2; }; \
  [ -n "$${VPC_ID}" ] && [ -n "$${SUBNET_ID}" ] || { echo "release: SOURCE_SECURITY_GROUP=$$SOURCE_SECURITY_GROUP \
    is a group of a VPC: give that VPC_ID and a SUBNET_ID of it for the instance" >&2; exit 2; }; \
  else case "$${SOURCE_CIDR}:$${ALLOW_ANY_SOURCE}" in :1|*/0:1) ;; \
  :*) echo "release: set SOURCE_CIDR to the address the instance will see you from, as /32 \
    (e.g. 203.0.113.7/32; the README says how to find it), or ALLOW_ANY_SOURCE=1 to open ssh and Jupyter \
    to 0.0.0.0/0" >&2; exit 2;; \
  */0:*) echo "release: SOURCE_CIDR=$$SOURCE_CIDR opens ssh and Jupyter to everyone: give your address \
    as /32, or add ALLOW_ANY_SOURCE=1" >&2; exit 2;; esac; fi

## release: the whole release of ASSET_ID (SOURCE_CIDR, FORMATS, MAKE_PUBLIC=1, INSTANCE_TYPE, SOURCE_AMI); resumes
release: release-inputs $(TOOLS)
	@sig=; trap 'sig=130' INT; trap 'sig=143' TERM; status=0; \
	$(MAKE) --no-print-directory -j $(words $(FORMATS) x) $(D)/assets.md || status=$$?; \
	[ -z "$$sig" ] || status=$$sig; \
	if [ $$status -ne 0 ]; then \
	  trap '' INT TERM; rm -f $(D)/*.tmp; \
	  case $$status in 130) what="interrupted (SIGINT)";; 143) what="interrupted (SIGTERM)";; *) what="failed";; esac; \
	  if [ -f $(D)/teardown.stamp ]; then echo "release: $$what; the EC2 stack and key pair are already removed" >&2; \
	  elif [ -z "$$KEEP_ON_ERROR" ]; then \
	    echo "release: $$what; removing the EC2 stack and key pair of $$ASSET_ID" >&2; \
	    $(MAKE) --no-print-directory teardown \
	      || echo "release: teardown failed too; see: make show-assets ASSET_ID=$$ASSET_ID" >&2; \
	  else echo "release: $$what; KEEP_ON_ERROR is set: the EC2 stack and key pair stay" >&2; fi; \
	  echo "release: resume with 'make release ASSET_ID=$$ASSET_ID'; remove everything it made with" \
	    "'make purge ASSET_ID=$$ASSET_ID CONFIRM=yes'" >&2; \
	  exit $$status; \
	fi; \
	cat $(D)/assets.md

# Listed before `build`, so a forgotten ASSET_ID fails at once (its form was checked at the top).
require-asset-id:
	@[ -n "$$ASSET_ID" ] || { echo "set ASSET_ID, e.g. make $(firstword $(MAKECMDGOALS)) ASSET_ID=1.2.0" >&2; exit 2; }

# What the release needs is checked before its first request; a resume past the AMI needs less.
release-inputs: require-asset-id
	@stack=$(EC2_STACK); [ $${#stack} -le 128 ] || { echo "release: the stack name $$stack is over" \
	  "CloudFormation's 128 characters: use fewer . _ - in ASSET_ID" >&2; exit 2; }
	@[ -f $(D)/ami.json ] || { $(require_source_cidr); $(if $(SKIP_INSTALL),,$(require_password);) }

$(D)/.dir:
	@mkdir -p $(@D) && touch $@

# The newest Canonical Ubuntu 22.04 amd64 image, unless SOURCE_AMI names one: DescribeImages's
# parameters as a JSON object of raw values, sent as a form: jq's @uri encodes each value, except
# "*", which jq 1.6 keeps and the SDKs encode.
describe_images = {Action: "DescribeImages", Version: "2016-11-15", "Filter.1.Name": "state", \
  "Filter.1.Value.1": "available"} + if $$ami != "" then {"ImageId.1": $$ami} \
  else {"Owner.1": $$owner, "Filter.2.Name": "name", "Filter.2.Value.1": $$name} end
form_request = {service: "ec2", headers: {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, \
  body: (to_entries | map("\(.key)=\(.value | @uri | gsub("\\*"; "%2A"))") | join("&"))}
newest_image = .json.imagesSet | sort_by(.creationDate) | last // error("no such image") \
  | {ImageId: .imageId, Name: .name, CreationDate: .creationDate}
$(D)/source-ami.json: | $(D)/.dir
	@echo "release: source AMI" >&2
	jq -n --arg ami "$$SOURCE_AMI" --arg owner $(CANONICAL) --arg name '$(UBUNTU_2204)' \
	  '$(describe_images) | $(form_request)' \
	  | $(BIN)/aws-sign-request --filter '$(newest_image)' >$@.tmp
	@mv $@.tmp $@

# Where the images go: the VM bucket stack's outputs, or VM_BUCKET/EXPORT_ROLE/CDN_DOMAIN.
$(D)/vm-bucket.json: | $(D)/.dir
ifeq ($(VM_BUCKET),)
	$(CFN_DEPLOY) --describe --stack $(STACK_VM_BUCKET) --filter .Outputs >$@.tmp
else
	jq -n --arg bucket "$$VM_BUCKET" --arg role "$${EXPORT_ROLE:-vmimport}" --arg cdn "$$CDN_DOMAIN" \
	  '{BucketName: $$bucket, ExportRoleName: $$role, DistributionDomainName: $$cdn}' >$@.tmp
endif
	@mv $@.tmp $@

# What the account must offer, read without changing anything (the preflight tool); the stamp is
# this release's, `make preflight` checks again whenever it is run.
preflight_run = $(BIN)/preflight --asset-id "$$ASSET_ID" --bucket "$(vm_bucket)" \
  --export-role "$$($(call json,$(D)/vm-bucket.json,.ExportRoleName))" --source-ami "$$($(call json,$(D)/source-ami.json,.ImageId))" \
  --template stacks/ec2-instance.yaml --stack "$(EC2_STACK)" --instance-type "$$INSTANCE_TYPE" --exports $(words $(FORMATS)) \
  $${VPC_ID:+--vpc-id "$$VPC_ID"} $${SUBNET_ID:+--subnet-id "$$SUBNET_ID"}
PREFLIGHT_STAMP = $(if $(PREFLIGHT),$(D)/preflight.stamp)

$(D)/preflight.stamp: $(D)/source-ami.json $(D)/vm-bucket.json
	$(preflight_run)
	@touch $@

## preflight: check, changing nothing, that the account and credentials can make the release of ASSET_ID
preflight: require-asset-id $(TOOLS)
	@$(MAKE) --no-print-directory $(D)/source-ami.json $(D)/vm-bucket.json
	@$(preflight_run)

# The build key's public half stays after the key pair is gone: verify-ami looks for it in the AMI.
$(D)/keypair.json: $(D)/source-ami.json | $(PREFLIGHT_STAMP)
	$(BIN)/keypair create --asset-id "$$ASSET_ID" --key-file $(D)/key.pem >$@.tmp
	@ssh-keygen -y -f $(D)/key.pem >$(D)/build-key.pub
	@mv $@.tmp $@

# The instance's security group, made by the tools and tagged at creation (CloudFormation would
# tag it only after creating it, which the release role refuses): ssh and Jupyter from
# SOURCE_SECURITY_GROUP's members, else from SOURCE_CIDR (both values checked at the top: no
# blank, no quote). $(1): its name; verify-ami makes its own (sandbox-<asset-id>-verify).
INSTANCE_PORTS := 22 49494
security_group = $(BIN)/security-group create --asset-id "$$ASSET_ID" --name "$(1)" $(foreach p,$(INSTANCE_PORTS),--port $(p)) \
  $$(if [ -n "$$SOURCE_SECURITY_GROUP" ]; then echo "--source-group $$SOURCE_SECURITY_GROUP"; \
    else echo "--cidr $${SOURCE_CIDR:-0.0.0.0/0}"; fi) $${VPC_ID:+--vpc-id "$$VPC_ID"}
remove_security_group = $(BIN)/security-group delete --asset-id "$$ASSET_ID" --name "$(1)" $${VPC_ID:+--vpc-id "$$VPC_ID"}
SECURITY_GROUP = sandbox-$$ASSET_ID

# The EC2 stack's arguments besides its name, image, key pair and group (the build instance; verify-ami's).
# Reached from SOURCE_SECURITY_GROUP's members (in its VPC), the instance gets no public address.
ec2_stack_args = --template stacks/ec2-instance.yaml --param "InstanceType=$$INSTANCE_TYPE" --param "AssetId=$$ASSET_ID" \
  --param "RootVolumeSize=$$ROOT_VOLUME_GIB" \
  $${SOURCE_SECURITY_GROUP:+--param PublicAddress=false} \
  --param "Owner=$${OWNER:-$${USER:-release}}" --tag "asset-id=$$ASSET_ID" --tag "project=$(PROJECT_TAG)" \
  $${VPC_ID:+--param "VpcId=$$VPC_ID"} $${SUBNET_ID:+--param "SubnetId=$$SUBNET_ID"} --delete-failed

# After the source AMI, as the key pair: the release's first request is the lookup, and nothing is
# made for a source AMI that is not there.
$(D)/security-group.json: $(D)/source-ami.json | $(PREFLIGHT_STAMP)
	@$(require_source_cidr)
	$(call security_group,$(SECURITY_GROUP)) >$@.tmp
	@mv $@.tmp $@

$(D)/stack.json: $(D)/keypair.json $(D)/source-ami.json $(D)/security-group.json
	$(CFN_DEPLOY) --stack $(EC2_STACK) $(ec2_stack_args) --param SecurityGroupId=$$($(call json,$(D)/security-group.json,.GroupId)) \
	  --param ImageId=$$($(call json,$(D)/source-ami.json,.ImageId)) --param KeyName=$$($(call json,$(D)/keypair.json,.KeyName)) >$@.tmp
	@mv $@.tmp $@

# Where an EC2 stack's instance is reached (jq, on cfn-deploy's output): its private address when
# only SOURCE_SECURITY_GROUP's members may reach it (they are in its VPC), else its public one.
stack_host = $(if $(SOURCE_SECURITY_GROUP),.Outputs.PrivateIp,.Outputs.PublicIp // .Outputs.PublicDnsName)

# The instance is running once its stack is complete; its ssh port must answer before Ansible.
$(D)/instance.json: $(D)/stack.json
ifeq ($(WAIT_SSH)$(SKIP_INSTALL),1)
	ansible/wait-ssh.sh "$$($(call json,$<,$(stack_host)))" "$$SSH_TIMEOUT"
endif
	jq '{Host: ($(stack_host))} + (.Outputs | {InstanceId, PublicDnsName, PublicIp, PrivateIp, User: "ubuntu"})' $< >$@.tmp
	@mv $@.tmp $@

$(D)/installed.stamp: $(D)/instance.json $(if $(SKIP_INSTALL),,$(ANSIBLE_VENV_STAMP) $(filter $(D)/inventory.ini,$(INSTALL_INVENTORY)))
ifeq ($(SKIP_INSTALL),)
	@$(require_password)
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

$(D)/ami.json: $(call unless_done,$(D)/ami.json,$(D)/password.stamp $(if $(DEMO_DISK),$(D)/demo-disk.stamp))
	$(BIN)/ami-export image --instance-id $$($(call json,$(D)/instance.json,.InstanceId)) --name "$(IMAGE_NAME)" \
	  --asset-id "$$ASSET_ID" >$@.tmp
	@mv $@.tmp $@

# Into the staging prefix, which CloudFront does not serve.
$(D)/export-%.json: $(D)/ami.json $(D)/vm-bucket.json
	$(BIN)/ami-export export --format $* --asset-id "$$ASSET_ID" --name "$(IMAGE_NAME)" \
	  --bucket "$(vm_bucket)" --role "$$($(call json,$(D)/vm-bucket.json,.ExportRoleName))" \
	  --prefix "$$STAGING_PREFIX/$$ASSET_ID/" $(call cdn_flag,--cdn-domain) <$(D)/ami.json >$@.tmp
	@mv $@.tmp $@

# Nothing ships unverified: an image moves to its served key (PublishKey, under IMAGES_PREFIX) only
# after the release's verification, on the server, its staged copy deleted by version id.
$(D)/publish-%.json: $(D)/export-%.json $(VERIFIED)
	$(BIN)/ami-export rename --bucket "$$($(call json,$<,.[0].Bucket))" --key "$$($(call json,$<,.[0].Key))" \
	  --to "$$($(call json,$<,.[0].PublishKey))" $${COPY_THRESHOLD:+--copy-threshold "$$COPY_THRESHOLD"} >$@.tmp
	@mv $@.tmp $@

$(D)/public.stamp: $(D)/ami.json $(VERIFIED)
	$(if $(MAKE_PUBLIC),$(BIN)/ami-export make-public --image-id $$($(call json,$<,.ImageId)) --asset-id "$$ASSET_ID" >&2,@echo "release: the AMI stays private (MAKE_PUBLIC=1 shares it)" >&2)
	@touch $@

# The instance is no longer needed once its AMI exists: remove it while the exports run.
$(D)/teardown.stamp: $(D)/ami.json
	@$(MAKE) --no-print-directory teardown

## teardown: remove the EC2 stack, key pairs and security group of ASSET_ID (what a release or a failure leaves running)
# Once the AMI exists its own state is teardown.stamp; before, the instance's steps start again.
teardown: require-asset-id
	$(CFN_DEPLOY) --delete --stack $(EC2_STACK) --tag "asset-id=$$ASSET_ID" >/dev/null
	$(BIN)/list-assets --asset-id "$$ASSET_ID" --kinds key-pair | $(BIN)/purge-assets --yes --asset-id "$$ASSET_ID" >/dev/null
	$(call remove_security_group,$(SECURITY_GROUP)) >/dev/null
	rm -f $(D)/key.pem $(D)/keypair.json $(D)/security-group.json $(D)/stack.json $(D)/instance.json $(D)/inventory.ini
	@if [ -f $(D)/ami.json ]; then touch $(D)/teardown.stamp; \
	else rm -f $(D)/installed.stamp $(D)/password.stamp $(D)/teardown.stamp; fi

$(D)/released.stamp: $(EXPORTS) $(PUBLISHED) $(D)/public.stamp $(D)/teardown.stamp
	@touch $@

# With what verify-image wrote (SHA256SUMS, verify-<fmt>.json), a table of each image's checksum,
# its size, the bytes its guest's file system uses, and the ratio of the two (what a download
# costs against the data in it).
$(D)/assets.md: $(D)/released.stamp $(D)/vm-bucket.json $(VERIFIED)
	$(BIN)/list-assets --asset-id "$$ASSET_ID" --format markdown --bucket "$(vm_bucket)" \
	  $(call cdn_flag,--cdn-domain) >$@.tmp
	@[ ! -f $(D)/SHA256SUMS ] || { printf '\n## Verified images\n\n| image | SHA-256 | bytes | used in the guest | ratio |\n|---|---|---|---|---|\n'; \
	  for f in $(FORMATS); do key=$$(jq -r '.[0].PublishKey // .[0].Key' $(D)/export-$$f.json); \
	    jq -r --arg file "$${key##*/}" '"| \($$file) | `\(.sha256)` | \(.size) | \(.usedBytes // "?") | \(.ratio // "?") |"' $(D)/verify-$$f.json; \
	  done; } >>$@.tmp
	@mv $@.tmp $@

# In a release, each image is downloaded once its export exists (verify-image then boots one
# format and proves the others the same disk beside it). `make verify-image` alone never exports.
ifneq ($(VERIFY_DOWNLOADS),)
$(foreach f,$(FORMATS),$(eval $(D)/download-$(f).json: $(D)/export-$(f).json))
endif

.PHONY: release require-asset-id release-inputs teardown preflight

# --- The demo: the whole release on the local emulator -----------------------------------------

DEMO_ASSET_ID ?= demo-$(shell date -u +%Y%m%d-%H%M%S)

# $(call with_emulator,GOALS): make GOALS with the emulator running. One this call started is
# stopped afterwards; one the user had started keeps running.
with_emulator = started=; if ! $(emulator_running); then $(MAKE) --no-print-directory emulator; started=1; fi; \
  status=0; $(MAKE) --no-print-directory $(1) || status=$$?; \
  [ -z "$$started" ] || $(MAKE) --no-print-directory emulator-stop; exit $$status

## demo: the whole release on the local emulator (playbooks on a local Debian test system), its images booted and checked
# What it needs is made side by side: the tools (the Swift build computes), the emulator's venv and,
# as root, the Debian test system and Ansible's venv (their bootstrap and pip mostly fetch and unpack).
demo:
	@$(MAKE) --no-print-directory -j 4 $(TOOLS) $(VENV)/.stamp \
	  $(if $(AS_ROOT),$(ANSIBLE_ROOTFS_DISK) $(ANSIBLE_VENV_STAMP))
	@$(call with_emulator,demo-release DEMO_ASSET_ID=$(DEMO_ASSET_ID))

# The permanent VM bucket stack first, then the release; emulator instances have no operating
# system, so the local Debian test system stands in for the instance in the install steps, and
# becomes the disk the emulator's CreateImage takes (demo-disk.stamp), so the exports are real
# images that verify-image boots; nothing listens on the instance, so the source CIDR is the
# loopback address, and verify-ami (an instance of the AMI) has nothing to boot. The default
# password: SANDBOX_DEFAULT_PASSWORD when set (to log into the verified image), else random.
# COPY_THRESHOLD=1GiB: the vhd and raw images (over 1 GiB) are moved out of the staging prefix by
# UploadPartCopy parts once verify-image booted them (make verify-image again checks what the
# multipart copy wrote).
demo-release:
	@set -a; . $(EMULATOR_ENV); set +a; \
	$(CFN_DEPLOY) --stack $(STACK_VM_BUCKET) --template stacks/vm-bucket.yaml >/dev/null; \
	[ -n "$${SANDBOX_DEFAULT_PASSWORD:-}" ] || SANDBOX_DEFAULT_PASSWORD=$$(head -c 18 /dev/urandom | base64); \
	export SANDBOX_DEFAULT_PASSWORD; \
	if [ -n "$(AS_ROOT)" ]; then \
	  $(MAKE) --no-print-directory ansible-testsystem; \
	  VERIFY_BUILD_KEY=$(ANSIBLE_ROOTFS_DISK).build-key \
	  $(MAKE) --no-print-directory release ASSET_ID=$(DEMO_ASSET_ID) SOURCE_CIDR=127.0.0.1/32 WAIT_SSH=0 \
	    INSTALL_INVENTORY=$(ANSIBLE_TESTSYSTEM_INVENTORY) INSTALL_RUN="$(ANSIBLE_TESTSYSTEM_RUN)" \
	    DEMO_DISK=1 VERIFY_AMI= VERIFY_DOWNLOADS=1 COPY_THRESHOLD=1GiB; \
	  echo "demo: the verified images (make verify-image):"; \
	  jq -c . $(foreach f,$(FORMATS),$(BUILD)/$(DEMO_ASSET_ID)/verify-$(f).json); \
	else \
	  echo "demo: not root, so no local Debian test system can be built: the install and reset-password steps" \
	    "are skipped, and the images are placeholder bytes (nothing to verify)" >&2; \
	  $(MAKE) --no-print-directory release ASSET_ID=$(DEMO_ASSET_ID) SOURCE_CIDR=127.0.0.1/32 SKIP_INSTALL=1; \
	fi

# The test system after the playbooks, made bootable, is the disk of the emulator's instance
# from here on: CreateImage copies it, ExportImage converts it (Tests/emulator/disks.py).
$(D)/demo-disk.stamp: $(D)/password.stamp
	@$(MAKE) --no-print-directory image-disk IMAGE_DISK=$(D)/disk.raw >/dev/null
	@jq -cn --arg url "$$AWS_ENDPOINT_URL/_emulator/config" --arg disk "$(abspath $(D)/disk.raw)" \
	  '{service: "s3", url: $$url, headers: {"Content-Type": "application/json"}, body: ({instanceDisk: $$disk} | tojson)}' \
	  | $(BIN)/aws-sign-request --filter .status >/dev/null
	@echo "demo: the emulator's instance disk is $(D)/disk.raw ($$(du -h --apparent-size $(D)/disk.raw | cut -f1))" >&2
	@touch $@

# --- CodeBuild ---------------------------------------------------------------------------------

## start-release: run the release of ASSET_ID in its CodeBuild project (MAKE_PUBLIC=1), following its phases and log
# The tool names the build's status and exits 1 when it did not succeed (make then exits 2).
start-release: require-asset-id $(TOOLS)
	$(BIN)/start-release --asset-id "$$ASSET_ID" $(if $(MAKE_PUBLIC),--make-public) $(REGION_FLAG)

.PHONY: demo demo-release start-release

# Assets
# What a release (ASSET_ID: an asset-id or a glob such as 1.2.*) left behind, shown or removed.

## show-assets: list what ASSET_ID left behind, as a table (ASSET_ID=1.2.0 or a glob such as 1.2.*)
show-assets: require-asset-id $(TOOLS)
	$(BIN)/list-assets --asset-id "$$ASSET_ID" --format table

## purge: remove what ASSET_ID left behind; a dry run unless CONFIRM=yes (a glob also needs EXPECT_COUNT=N; a published release INCLUDE_PUBLISHED=1)
# CONFIRM is empty or yes (checked at the top): anything else stops before listing.
purge: require-asset-id $(TOOLS)
	$(BIN)/list-assets --asset-id "$$ASSET_ID" --format json \
	  | $(BIN)/purge-assets --asset-id "$$ASSET_ID" $(if $(CONFIRM),--yes,--dry-run) \
	    $(if $(EXPECT_COUNT),--expect-count "$$EXPECT_COUNT") $(if $(INCLUDE_PUBLISHED),--include-published)
	$(if $(CONFIRM),,@echo "purge: a dry run, nothing was removed; to remove these:" \
	  "make purge ASSET_ID='$$ASSET_ID' CONFIRM=yes" >&2)

.PHONY: show-assets purge
