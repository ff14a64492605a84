import AWSCore

// Placeholder until the tool lands: it refuses to run.
log("ami-export: not built yet")
exit(2)
