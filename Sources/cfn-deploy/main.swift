import AWSCore

// Placeholder until the tool lands: it refuses to run.
log("cfn-deploy: not built yet")
exit(2)
