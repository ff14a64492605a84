#!/usr/bin/env bash
# Print the Debian mirror this machine's apt uses, so the test system is built from the
# same (possibly local or proxied) mirror. Falls back to the public redirector.
set -eu -o pipefail

codenames='^(bookworm|bullseye|buster|trixie|forky|sid|stable|testing|unstable|oldstable)$'
found=""

# One-line style: "deb [options] URI suite components..."
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -r "$f" ] || continue
  found=$(awk -v re="$codenames" '
    $1 == "deb" {
      i = 2
      if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
      if ($(i+1) ~ re) { print $i; exit }
    }' "$f")
  [ -n "$found" ] && break
done

# deb822 style: stanzas with Types, URIs and Suites fields.
if [ -z "$found" ]; then
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    found=$(awk -v re="$codenames" '
      function check() {
        if (!done && types ~ /(^| )deb( |$)/ && enabled != "no") {
          n = split(suites, s, " ")
          for (k = 1; k <= n; k++) if (s[k] ~ re) { split(uris, u, " "); print u[1]; done = 1; exit }
        }
        types = uris = suites = ""; enabled = "yes"
      }
      BEGIN { enabled = "yes" }
      /^[ \t]*$/ { check(); next }
      /^#/ { next }
      tolower($1) == "types:"   { $1 = ""; types = $0 }
      tolower($1) == "uris:"    { $1 = ""; uris = $0 }
      tolower($1) == "suites:"  { $1 = ""; suites = $0 }
      tolower($1) == "enabled:" { enabled = tolower($2) }
      END { check() }' "$f")
    [ -n "$found" ] && break
  done
fi

echo "${found:-http://deb.debian.org/debian}"
