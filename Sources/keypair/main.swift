import AWSCore

// Placeholder until the tool lands: it refuses to run.
log("keypair: not built yet")
exit(2)
