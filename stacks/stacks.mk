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

## lint: cfn-lint over every template (zero errors and zero warnings)
lint: $(VENV)/.stamp
	$(VENV)/bin/cfn-lint --format parseable -- $(TEMPLATES)
.PHONY: lint
