# VM images: a bootable disk from the local test system, and the boot checks every exported
# image must pass (ansible/image/README.md).

# QEMU boots the images (OVMF: the UEFI cells); qemu-img converts and inspects them; sshpass and
# expect log in with passwords; GRUB's BIOS files and sfdisk make the disk bootable; openssl sums
# the images (check-format.sh).
APT_PACKAGES += qemu-system-x86 qemu-utils ovmf sshpass expect grub-pc-bin fdisk curl openssl
$(BUILD)/.deps-apt: ansible/image.mk

IMAGE_ROOTFS ?= $(ANSIBLE_TESTSYSTEM)
IMAGE_DISK   ?= $(BUILD)/image/disk.raw
# tcg (default) or kvm: on some machines /dev/kvm exists but guests hang under it.
VERIFY_ACCEL ?= tcg
# The boot matrix's cells (empty: those the image claims, ansible/image/README.md) and how many
# boot side by side (empty: one per core).
VERIFY_CELLS ?=
VERIFY_PARALLEL ?=
export VERIFY_ACCEL VERIFY_CELLS VERIFY_PARALLEL
# The one format booted through the matrix; the others are proven to be the same disk without a
# boot (check-format.sh). VMDK when it is released: its own structure is what VMware reads.
VERIFY_BOOT_FORMAT ?= $(firstword $(filter vmdk,$(FORMATS)) $(FORMATS))

## image-disk: a bootable raw disk (IMAGE_DISK) from a root file system (IMAGE_ROOTFS: the test system)
image-disk: $(BUILD)/.deps-apt
	@mkdir -p $(dir $(IMAGE_DISK))
	ansible/image/disk.sh $(IMAGE_ROOTFS) $(IMAGE_DISK)

## verify-image: download the exported images of ASSET_ID (FORMATS), boot one through the matrix, prove the others the same disk, publish SHA256SUMS
verify-image: require-asset-id $(TOOLS) $(BUILD)/.deps-apt
	@[ -n "$${SANDBOX_DEFAULT_PASSWORD:-}" ] || { echo "verify-image: set SANDBOX_DEFAULT_PASSWORD (the image's default password) in the environment" >&2; exit 2; }
	@$(MAKE) --no-print-directory -j $(words $(FORMATS)) $(foreach f,$(FORMATS),$(D)/verify-$(f).json)
	@$(MAKE) --no-print-directory $(D)/sha256sums.stamp
	@jq -c . $(foreach f,$(FORMATS),$(D)/verify-$(f).json)

# One image, downloaded beside the state files, from where the export is: the staging prefix,
# or once the release moved it, its published key (named after the published key either way).
# The export's JSON is read, not a prerequisite: make must never go back into the release's
# graph from here. (Targets spell out $(BUILD)/$(ASSET_ID): the Makefile defines D after this file.)
$(BUILD)/$(ASSET_ID)/download-%.json:
	@[ -f $(D)/export-$*.json ] || { echo "verify-image: no $(D)/export-$*.json: export $* first (make release ASSET_ID=$(ASSET_ID))" >&2; exit 2; }
	@bucket=$$(jq -r '.[0].Bucket' $(D)/export-$*.json); key=$$(jq -r '.[0].Key' $(D)/export-$*.json); \
	[ ! -f $(D)/publish-$*.json ] || key=$$(jq -r .Key $(D)/publish-$*.json); \
	name=$$(jq -r '.[0].PublishKey // .[0].Key' $(D)/export-$*.json); file=$(D)/images/$${name##*/}; \
	mkdir -p $(D)/images; \
	echo "verify-image: downloading s3://$$bucket/$$key" >&2; t0=$$SECONDS; \
	jq -cn --arg path "/$$bucket/$$key" --arg out "$$file" '{service: "s3", method: "GET", path: $$path, outputFile: $$out}' \
	  | $(BIN)/aws-sign-request --filter '.status' >/dev/null; \
	jq -n --arg file "$$file" --argjson seconds $$((SECONDS - t0)) '{file: $$file, seconds: $$seconds}' >$@.tmp
	@mv $@.tmp $@

# On a failure the JSON is kept as verify-<fmt>.failed.json (to be read), and the target is
# redone next time. $(1): the format; $(2): the command writing the JSON to $@.new.
verify_json = status=0; t0=$$SECONDS; $(2) >$@.new || status=$$?; \
	echo "verify-image: $(1) took $$((SECONDS - t0)) s (download $$(jq .seconds $(D)/download-$(1).json) s)" >&2; \
	if [ $$status -ne 0 ]; then mv $@.new $(D)/verify-$(1).failed.json; jq . $(D)/verify-$(1).failed.json >&2; exit $$status; fi; \
	mv $@.new $@

# The booted format: every cell of the matrix.
$(BUILD)/$(ASSET_ID)/verify-$(VERIFY_BOOT_FORMAT).json: $(BUILD)/$(ASSET_ID)/download-$(VERIFY_BOOT_FORMAT).json
	@$(call verify_json,$(VERIFY_BOOT_FORMAT),VERIFY_LOG_DIR=$(D)/verify-logs ansible/image/verify.sh "$$(jq -r .file $<)" $(VERIFY_BOOT_FORMAT))

# Every other format: its own structure, and the booted disk's bytes (check-format.sh), beside
# the matrix at the lowest CPU priority (the boots first: it fills their idle time); verified
# once the booted one is, with its used bytes.
$(BUILD)/$(ASSET_ID)/same-%.json: $(BUILD)/$(ASSET_ID)/download-%.json $(BUILD)/$(ASSET_ID)/download-$(VERIFY_BOOT_FORMAT).json
	@$(call verify_json,$*,nice -n 19 ansible/image/check-format.sh "$$(jq -r .file $<)" $* "$$(jq -r .file $(word 2,$^))" $(VERIFY_BOOT_FORMAT))
$(BUILD)/$(ASSET_ID)/verify-%.json: $(BUILD)/$(ASSET_ID)/same-%.json $(BUILD)/$(ASSET_ID)/verify-$(VERIFY_BOOT_FORMAT).json
	@jq --slurpfile booted $(word 2,$^) '$$booted[0].usedBytes as $$used | . + {usedBytes: $$used, ratio: (if $$used then (.size / $$used * 100 | round / 100) else null end)}' $< >$@.tmp
	@mv $@.tmp $@
# Kept: a download is gigabytes, and what proved a file the booted disk is part of its record.
.PRECIOUS: $(BUILD)/$(ASSET_ID)/download-%.json $(BUILD)/$(ASSET_ID)/same-%.json

# SHA256SUMS (every verified image) and <file>.sha256 (each one) in the bucket, in the folder the
# images are moved to once verified (PublishKey).
$(BUILD)/$(ASSET_ID)/sha256sums.stamp: $(foreach f,$(FORMATS),$(BUILD)/$(ASSET_ID)/verify-$(f).json)
	@rm -f $@.sums; for f in $(FORMATS); do \
	  bucket=$$(jq -r '.[0].Bucket' $(D)/export-$$f.json); key=$$(jq -r '.[0].PublishKey // .[0].Key' $(D)/export-$$f.json); \
	  line="$$(jq -r .sha256 $(D)/verify-$$f.json)  $${key##*/}"; echo "$$line" >>$@.sums; \
	  jq -cn --arg path "/$$bucket/$$key.sha256" --arg body "$$line"$$'\n' '{service: "s3", method: "PUT", path: $$path, body: $$body}' \
	    | $(BIN)/aws-sign-request --filter '.status' >/dev/null; \
	done; \
	jq -cn --arg path "/$$bucket/$${key%/*}/SHA256SUMS" --rawfile body $@.sums '{service: "s3", method: "PUT", path: $$path, body: $$body}' \
	  | $(BIN)/aws-sign-request --filter '.status' >/dev/null; \
	mv $@.sums $(D)/SHA256SUMS; touch $@

## verify-ami: launch two instances of ASSET_ID's AMI (EC2 stacks, a temporary key pair), check them over the network, remove them
verify-ami: require-asset-id $(TOOLS)
	@[ -n "$${SANDBOX_DEFAULT_PASSWORD:-}" ] || { echo "verify-ami: set SANDBOX_DEFAULT_PASSWORD (the image's default password) in the environment" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(BUILD)/$(ASSET_ID)/ami-verify.json
	@jq -c . $(BUILD)/$(ASSET_ID)/ami-verify.json

# verify.sh's checks against two instances of the AMI (two copies: their host keys and
# machine-ids must differ), reached over the network from here on ports 22 and 49494, opened to
# SOURCE_CIDR (or SOURCE_SECURITY_GROUP) only. On EC2 passwords are off and the instance's key
# pair is the way in: the two get a key pair of their own (tagged with the asset-id, key file
# verify-key.pem), removed with their stacks and group whatever happens (a kill included). The
# build key's public half (build-key.pub, kept when the build's key pair is gone) must be in no
# authorized_keys file.
$(BUILD)/$(ASSET_ID)/ami-verify.json: $(BUILD)/$(ASSET_ID)/ami.json | $(BUILD)/.deps-apt
	@$(require_source_cidr)
	@ami=$$(jq -r .ImageId $<); hosts=(); status=0; pair=$(D)/verify-keypair.json; \
	remove() { for n in 1 2; do $(CFN_DEPLOY) --delete --stack $(EC2_STACK)-verify$$n >/dev/null \
	  || echo "verify-ami: the stack $(EC2_STACK)-verify$$n is left: make purge ASSET_ID=$$ASSET_ID" >&2; done; \
	  $(call remove_security_group,$(SECURITY_GROUP)-verify) >/dev/null \
	  || echo "verify-ami: the security group $(SECURITY_GROUP)-verify is left: make purge ASSET_ID=$$ASSET_ID" >&2; \
	  if [ -f $$pair ]; then $(BIN)/keypair delete <$$pair >/dev/null && rm -f $$pair \
	    || echo "verify-ami: the key pair in $$pair is left: make purge ASSET_ID=$$ASSET_ID" >&2; fi; }; \
	trap remove EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	if [ -f $$pair ]; then $(BIN)/keypair delete <$$pair >/dev/null; fi; rm -f $(D)/verify-key.pem; \
	$(BIN)/keypair create --asset-id "$$ASSET_ID" --key-file $(D)/verify-key.pem >$$pair.tmp && mv $$pair.tmp $$pair; \
	group=$$($(call security_group,$(SECURITY_GROUP)-verify) -r --filter .GroupId); \
	for n in 1 2; do \
	  echo "verify-ami: an instance of $$ami ($(EC2_STACK)-verify$$n)" >&2; \
	  hosts+=("$$($(CFN_DEPLOY) --stack $(EC2_STACK)-verify$$n $(ec2_stack_args) --param "ImageId=$$ami" --param "SecurityGroupId=$$group" \
	    --param "KeyName=$$(jq -r .KeyName $$pair)" -r --filter '$(stack_host)')"); \
	done; \
	VERIFY_LOGIN_KEY=$(D)/verify-key.pem $(if $(wildcard $(D)/build-key.pub),VERIFY_BUILD_KEY=$(D)/build-key.pub) \
	  VERIFY_LOG_DIR=$(D)/verify-logs-ami ansible/image/verify.sh --remote "$${hosts[@]}" >$@.new || status=$$?; \
	if [ $$status -ne 0 ]; then mv $@.new $(D)/ami-verify.failed.json; jq . $(D)/ami-verify.failed.json >&2; exit $$status; fi; \
	mv $@.new $@

## test-image: verify-image's checks on an image built from the test system, and on images made wrong on purpose
# The good image goes through the emulator's export and make verify-image (the emulator runs here).
test-image: $(BUILD)/.deps-apt $(ANSIBLE_VENV_STAMP) $(ANSIBLE_ROOTFS_DISK) $(TOOLS) $(VENV)/.stamp
	@$(call with_emulator,test-image-run)

test-image-run:
	ANSIBLE_VENV=$(ANSIBLE_VENV) ROOTFS_DISK=$(ANSIBLE_ROOTFS_DISK) WORK=$(BUILD)/image/test EMULATOR_ENV=$(EMULATOR_ENV) \
	  BIN=$(BIN) Tests/image/test-verify.sh

## test-image-formats: check-format.sh on a small disk in each format, and on copies broken on purpose (no root, no boot)
# python3-vmdkstream writes a VMDK in the streaming layout of VMware's specification.
APT_PACKAGES += python3-vmdkstream
test-image-formats: $(BUILD)/.deps-apt
	WORK=$(BUILD)/image/formats Tests/image/test-formats.sh

.PHONY: image-disk verify-image verify-ami test-image test-image-run test-image-formats
