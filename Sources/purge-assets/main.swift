import AWSCore

// Placeholder until the tool lands: it refuses to run.
log("purge-assets: not built yet")
exit(2)
