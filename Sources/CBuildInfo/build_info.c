#include "build_info.h"

/* `make build` writes build_commit.h (never committed) only when the commit changes, so a build
   at the same commit recompiles nothing; a plain `swift build` has no such file and says
   "unknown". A C macro, because Swift has no build-time string constants. */
#if __has_include("build_commit.h")
#include "build_commit.h"
#endif
#ifndef SANDBOX_BUILD_COMMIT
#define SANDBOX_BUILD_COMMIT "unknown"
#endif

const char *sandbox_build_commit(void) { return SANDBOX_BUILD_COMMIT; }
