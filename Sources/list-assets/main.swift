import AWSCore

// Placeholder until the tool lands: it refuses to run.
log("list-assets: not built yet")
exit(2)
