BENCH_TARGETS += bench-image
## bench-image: make demo end to end (real images, verify-image on each format, TCG): wall time, per-format time and size
# Root only (the demo's local test system). The images and disks are removed afterwards.
bench-image:
	@id=bench-image-$$(date -u +%Y%m%d-%H%M%S); log=$(BUILD)/$$id.log; t0=$$SECONDS; \
	$(MAKE) --no-print-directory demo NO_BUILD=1 DEMO_ASSET_ID=$$id >$$log 2>&1 \
	  || { tail -n 30 $$log; echo "bench-image: make demo failed (log: $$log)" >&2; exit 1; }; \
	echo "bench-image: make demo took $$((SECONDS - t0)) s end to end"; \
	sed -n 's/^verify-image: \(.* took .*\)/bench-image: verify-image \1/p' $$log; \
	jq -r '"bench-image: \(.format): \(.size) bytes, boot to ssh \(.bootSeconds) s"' $(BUILD)/$$id/verify-*.json; \
	rm -rf $(BUILD)/$$id/images $(BUILD)/$$id/disk.raw
