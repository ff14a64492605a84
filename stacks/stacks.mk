# The CloudFormation templates: their stack names and their lint.
# stacks/README.md says what each stack holds, costs and needs to deploy.

TEMPLATES := $(wildcard stacks/*.yaml)

STACK_VM_BUCKET        := DATA-SCIENCE-SANDBOX-VM-Bucket
# CLOUDFRONT-scoped WAF exists only in us-east-1, whatever region the rest is in.
STACK_VM_BUCKET_WAF    := DATA-SCIENCE-SANDBOX-VM-Bucket-WAF
STACK_WAF_REGION       := us-east-1
STACK_CI_CODEBUILD     := DATA-SCIENCE-SANDBOX-CI-TEST-CODEBUILD
STACK_RELEASE_CODEBUILD := DATA-SCIENCE-SANDBOX-RELEASE-CODEBUILD
# Followed by the release's asset id, characters CloudFormation refuses turned into "-".
STACK_EC2_PREFIX       := EC2-DATA-SCIENCE-SANDBOX-
# The release role's EC2 rights need this project tag (and an asset-id tag) on what it creates.
PROJECT_TAG            := data-science-sandbox
# The build instance's network: both empty for the default VPC (stacks/README.md). The release
# CodeBuild project's builds run in VPC_ID, in BUILD_SUBNET_IDS (private, with a NAT gateway).
VPC_ID    ?=
SUBNET_ID ?=
BUILD_SUBNET_IDS ?=

# checkov has a venv of its own: its dependencies are not moto's.
CHECKOV_VENV ?= $(BUILD)/venv-checkov
$(CHECKOV_VENV)/.stamp: Tests/requirements-checkov.txt $(BUILD)/.deps-apt
	@rm -rf $(CHECKOV_VENV)
	@python3 -m venv $(CHECKOV_VENV)
	@$(CHECKOV_VENV)/bin/pip install -q --disable-pip-version-check --require-hashes -r $< >&2
	@touch $@

# Both Python environments, for make test to make beside the build (here: CHECKOV_VENV is set above).
venvs: $(VENV)/.stamp $(CHECKOV_VENV)/.stamp
.PHONY: venvs

## lint: cfn-lint (zero errors and warnings), checkov (zero failures; skips explained in the templates), the templates' contract tests
lint: $(VENV)/.stamp $(CHECKOV_VENV)/.stamp
	$(VENV)/bin/cfn-lint --format parseable -- $(TEMPLATES)
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation \
	  $(addprefix --file ,$(TEMPLATES))
	$(PYTHON) -m pytest -q -p no:cacheprovider Tests/stacks
.PHONY: lint

# --- Deploying the permanent stacks (stacks/README.md: order and costs) ---------------------------
# Each target deploys through cfn-deploy (a change set; nothing executes when nothing changed)
# and prints the stack's outputs as JSON. REGION empty: $AWS_REGION or the profile's region.
# These four stacks are permanent: each deploy turns on their termination protection
# (cfn-deploy --termination-protection).
REGION            ?=
ALLOWED_IPS       ?=
ALLOWED_IPV6      ?=
CAPTCHA_IMMUNITY  ?=
RATE_LIMIT        ?=
BUCKET_NAME       ?=
PRICE_CLASS       ?=
SOURCE_LOCATION   ?=
SOURCE_TYPE       ?=
SOURCE_VERSION    ?=
DEFAULT_PASSWORD_SECRET_ARN ?=

# Flags only: stdin is closed so that cfn-deploy never waits on an inherited open pipe.
CFN_DEPLOY  = $(BIN)/cfn-deploy </dev/null
REGION_FLAG = $(if $(REGION),--region '$(REGION)')
# $(call param,Key,value): a --param only when the value is set, so the template's default applies.
param       = $(if $(2),--param '$(1)=$(2)')
# $(call stack_output,STACK,OutputKey,region flag): one output of a deployed stack; a missing
# stack (exit 1) or output (exit 5) stops the recipe with the reason.
stack_output = $(CFN_DEPLOY) --describe --stack $(1) $(3) -r \
  --filter '.Outputs.$(2) // error("stack $(1) has no output $(2): deploy it first (stacks/README.md)")'
# $(call require,VAR): stop with a usage error when a required make variable is empty.
require     = [ -n "$($(1))" ] || { echo "$@: set $(1) (see stacks/README.md)" >&2; exit 2; }

## deploy-waf: the CLOUDFRONT WebACL in us-east-1 (ALLOWED_IPS=cidr,cidr required; ALLOWED_IPV6, RATE_LIMIT, CAPTCHA_IMMUNITY)
deploy-waf: build
	@$(call require,ALLOWED_IPS)
	@[ -z "$(REGION)" ] || [ "$(REGION)" = $(STACK_WAF_REGION) ] || { echo "$@: the WAF stack lives in $(STACK_WAF_REGION) only, not $(REGION)" >&2; exit 2; }
	$(CFN_DEPLOY) --stack $(STACK_VM_BUCKET_WAF) --template stacks/vm-bucket-waf.yaml --region $(STACK_WAF_REGION) \
	  --param 'AllowedIPs=$(ALLOWED_IPS)' $(call param,AllowedIPv6,$(ALLOWED_IPV6)) $(call param,RateLimit,$(RATE_LIMIT)) \
	  $(call param,CaptchaImmunitySeconds,$(CAPTCHA_IMMUNITY)) --termination-protection --filter .Outputs

## deploy-vm-bucket: image bucket, export role and CloudFront, behind the WAF stack's WebACL (BUCKET_NAME, IMAGES_PREFIX, STAGING_PREFIX, PRICE_CLASS)
deploy-vm-bucket: build
	@acl=$$($(call stack_output,$(STACK_VM_BUCKET_WAF),WebACLArn,--region $(STACK_WAF_REGION))); \
	$(CFN_DEPLOY) --stack $(STACK_VM_BUCKET) --template stacks/vm-bucket.yaml $(REGION_FLAG) --param "WebACLId=$$acl" \
	  $(call param,BucketName,$(BUCKET_NAME)) $(call param,ImagesPrefix,$(IMAGES_PREFIX)) $(call param,StagingPrefix,$(STAGING_PREFIX)) \
	  $(call param,PriceClass,$(PRICE_CLASS)) --termination-protection --filter .Outputs

CODEBUILD_PARAMS = --param 'SourceLocation=$(SOURCE_LOCATION)' $(call param,SourceType,$(SOURCE_TYPE)) \
  $(call param,SourceVersion,$(SOURCE_VERSION))

## deploy-ci-codebuild: the CI CodeBuild project (SOURCE_LOCATION required; SOURCE_TYPE, SOURCE_VERSION)
deploy-ci-codebuild: build
	@$(call require,SOURCE_LOCATION)
	$(CFN_DEPLOY) --stack $(STACK_CI_CODEBUILD) --template stacks/ci-codebuild.yaml $(REGION_FLAG) \
	  $(CODEBUILD_PARAMS) --termination-protection --filter .Outputs

## deploy-release-codebuild: the release CodeBuild project on the VM bucket stack's outputs (SOURCE_LOCATION, DEFAULT_PASSWORD_SECRET_ARN, VPC_ID, BUILD_SUBNET_IDS required; SUBNET_ID)
deploy-release-codebuild: build
	@$(call require,SOURCE_LOCATION); $(call require,DEFAULT_PASSWORD_SECRET_ARN); $(call require,VPC_ID); \
	  $(call require,BUILD_SUBNET_IDS)
	@bucket=$$($(call stack_output,$(STACK_VM_BUCKET),BucketName,$(REGION_FLAG))); \
	role=$$($(call stack_output,$(STACK_VM_BUCKET),ExportRoleName,$(REGION_FLAG))); \
	cdn=$$($(call stack_output,$(STACK_VM_BUCKET),DistributionDomainName,$(REGION_FLAG))); \
	$(CFN_DEPLOY) --stack $(STACK_RELEASE_CODEBUILD) --template stacks/release-codebuild.yaml $(REGION_FLAG) \
	  $(CODEBUILD_PARAMS) --param "VMBucketName=$$bucket" --param "ExportRoleName=$$role" --param "CdnDomain=$$cdn" \
	  --param 'DefaultPasswordSecretArn=$(DEFAULT_PASSWORD_SECRET_ARN)' $(call param,ImagesPrefix,$(IMAGES_PREFIX)) \
	  --param 'VpcId=$(VPC_ID)' --param 'BuildSubnetIds=$(BUILD_SUBNET_IDS)' $(call param,SubnetId,$(SUBNET_ID)) \
	  $(call param,StagingPrefix,$(STAGING_PREFIX)) --termination-protection --filter .Outputs

.PHONY: deploy-waf deploy-vm-bucket deploy-ci-codebuild deploy-release-codebuild
