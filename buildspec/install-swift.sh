#!/usr/bin/env bash
# Installs the Swift toolchain for Ubuntu 22.04 under /opt, for both buildspecs: the tarball is
# unpacked only when its detached signature is valid and made by the Swift 6 release key.
# Usage: buildspec/install-swift.sh VERSION   (e.g. 6.1.2; prints the toolchain's bin folder)
set -euo pipefail
version=${1:?usage: install-swift.sh VERSION}
# The Swift 6 release signing key's fingerprint, as published with swift.org's keys
# (https://swift.org/keys/all-keys.asc) and pinned by the official swift-docker images.
# The keys file is fetched at build time; only a signature by this key is accepted.
fingerprint=${SWIFT_SIGNING_KEY:-52BB7E3DE28A71BE22EC05FFEF80A866B47A981F}
base=${SWIFT_DOWNLOAD_BASE:-https://download.swift.org}
keys_url=${SWIFT_KEYS_URL:-https://swift.org/keys/all-keys.asc}
dest=${SWIFT_INSTALL_DIR:-/opt}
name=swift-${version}-RELEASE-ubuntu22.04
url=$base/swift-${version}-release/ubuntu2204/swift-${version}-RELEASE/$name.tar.gz

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GNUPGHOME=$work/gnupg
mkdir -m 700 "$GNUPGHOME"
curl -fsSL -o "$work/swift.tar.gz" "$url"
curl -fsSL -o "$work/swift.tar.gz.sig" "$url.sig"
curl -fsSL -o "$work/keys.asc" "$keys_url"
gpg --batch --quiet --import "$work/keys.asc" 2>/dev/null
# VALIDSIG's last field is the primary key's fingerprint; any other key in the file does not count.
signer=$(gpg --batch --status-fd 1 --verify "$work/swift.tar.gz.sig" "$work/swift.tar.gz" 2>/dev/null \
  | awk '$2 == "VALIDSIG" { print $NF }') || true
if [ "$signer" != "$fingerprint" ]; then
  echo "install-swift: $name.tar.gz is not signed by the Swift release key $fingerprint (signer: ${signer:-none}); not installed" >&2
  exit 1
fi
tar -xzf "$work/swift.tar.gz" -C "$dest"
echo "$dest/$name/usr/bin"
