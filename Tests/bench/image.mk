BENCH_TARGETS += bench-image
## bench-image: make demo end to end (real images, TCG): wall time by phase, boot seconds per cell, sizes against used bytes
# Root only (the demo's local test system). The images and disks are removed afterwards.
bench-image:
	@Tests/bench/image.sh $(BUILD) $(ANSIBLE_ROOTFS_DISK) $(BIN)
