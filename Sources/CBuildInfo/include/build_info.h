#ifndef SANDBOX_BUILD_INFO_H
#define SANDBOX_BUILD_INFO_H

/* The git commit the tools were built from (12 hex digits, "-dirty" when tracked files differed
   from it), or "unknown" for a build outside `make build` or a checkout. */
const char *sandbox_build_commit(void);

#endif
