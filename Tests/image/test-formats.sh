#!/usr/bin/env bash
# make test-image-formats: the cheap proof that an exported file is the booted disk
# (ansible/image/check-format.sh), on a small disk of known content in each format the release
# exports, and on copies broken on purpose: one guest byte changed, a grain table of the VMDK
# pointing at another grain or past the file, the VHD's footer and block table damaged. No
# root, no boot. Prints "N passed, N failed".
#   env: WORK (scratch; emptied)
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/ansible/tests/lib.sh"
: "${WORK:?}"
check_format=$top/ansible/image/check-format.sh
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

# A 64 MiB disk: random data in a few places (incompressible grains in several grain tables),
# zeros elsewhere (unallocated grains and blocks).
truncate -s 64M disk.raw
for mib in 0 1 9 33 40 63; do
  head -c $((512 * 1024)) /dev/urandom | dd of=disk.raw bs=1M seek="$mib" conv=notrunc status=none
done
# The formats as the emulator's ExportImage writes them (Tests/emulator/disks.py), and a VMDK in
# the streaming layout of VMware's specification (grain directory at the end, behind a footer).
# (Debian's python3-vmdkstream, for the system Python.)
qemu-img convert -q -f raw -O vmdk -o subformat=streamOptimized disk.raw disk.vmdk
qemu-img convert -q -f raw -O vpc -o subformat=dynamic disk.raw disk.vhd
/usr/bin/python3 -c 'import sys, VMDKstream; VMDKstream.convert_to_stream(sys.argv[1], sys.argv[2])' disk.raw stream.vmdk

# result FILE CHECK: a check's result in check-format.sh's JSON.
result() { jq -r --arg c "$2" '.checks[$c] // "absent"' "$1"; }
# run NAME FORMAT [BOOTED BOOTED_FORMAT]: check-format.sh on NAME; its exit status in NAME.rc.
run() {
  local rc=0
  "$check_format" "$@" >"$1.json" 2>"$1.err" || rc=$?
  echo "$rc" >"$1.rc"
}
passes() {  # passes NAME CHECK...: exit 0, and each check ok
  local name=$1 c
  shift
  [ "$(cat "$name.rc")" = 0 ] || { cat "$name.json" "$name.err"; return 1; }
  for c in "$@"; do [ "$(result "$name.json" "$c")" = ok ] || { echo "$c: $(result "$name.json" "$c")"; return 1; }; done
}
fails() {  # fails NAME CHECK: exit 1, and the check says why
  local r
  r=$(result "$1.json" "$2")
  echo "$2: $r"
  [ "$(cat "$1.rc")" = 1 ] && [ "$r" != ok ] && [ "$r" != absent ]
}
# poke FILE OFFSET HEX...: overwrite bytes in place.
poke() {
  local file=$1 at=$2
  shift 2
  printf "$(printf '\\x%s' "$@")" | dd of="$file" bs=1 seek="$at" conv=notrunc status=none
}
u32() { od -An -j "$2" -N 4 -tu4 --endian="$3" "$1" | tr -d ' '; }
le32() { printf '%02x %02x %02x %02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }

# --- the good files: each well-formed, each the booted disk (the VMDK, then the VHD) -------------
run disk.vmdk vmdk
check "the exported VMDK is well-formed (stream-optimized, grain tables)" passes disk.vmdk vmdk-stream vmdk-grain-tables
run stream.vmdk vmdk disk.vmdk vmdk
check "a VMDK in the streaming layout (directory behind a footer) is well-formed and the same disk" \
  passes stream.vmdk vmdk-stream vmdk-grain-tables same-size same-content
run disk.vhd vhd disk.vmdk vmdk
check "the exported VHD is well-formed (footer, block table) and the same disk" passes disk.vhd vhd-footer vhd-bat same-size same-content
run disk.raw raw disk.vmdk vmdk
check "the exported RAW is the whole disk and the same disk" passes disk.raw raw-size same-size same-content
check "the JSON names the file, its sum, size and the disk it equals" jq -e --arg sum "$(sha256sum disk.vhd | cut -d' ' -f1)" \
  '.format == "vhd" and .sha256 == $sum and .size > 0 and .virtualSize >= 67108864 and .sameAs == {file: "disk.vmdk", format: "vmdk"}' disk.vhd.json
# VERIFY_BOOT_FORMAT=vhd boots the VHD: its disk is larger (the geometry's rounding) than the
# VMDK's and the RAW's, which are then the smaller side.
cp disk.vmdk onvhd.vmdk
run onvhd.vmdk vmdk disk.vhd vhd
check "a VMDK against the booted VHD (its disk rounded up) is the same disk" passes onvhd.vmdk same-size same-content
cp --sparse=always disk.raw onvhd.raw
run onvhd.raw raw disk.vhd vhd
check "a RAW against the booted VHD is the same disk" passes onvhd.raw same-size same-content
# The rounding is all a size may differ by: a RAW 8 MiB short of the disk is not the booted one.
cp --sparse=always disk.raw short.raw
truncate -s 56M short.raw
run short.raw raw disk.vhd vhd
check "a RAW smaller than the booted VHD's disk by more than its rounding fails same-size" fails short.raw same-size

# --- one byte of the guest's data differs --------------------------------------------------------
cp --sparse=always disk.raw byte.raw
poke byte.raw $((33 * 1024 * 1024 + 4097)) "$(od -An -j $((33 * 1024 * 1024 + 4097)) -N 1 -tx1 disk.raw | tr -d ' ' | tr 0-9a-f 1-9a-f0)"
run byte.raw raw disk.vmdk vmdk
check "a RAW one guest byte off the booted disk fails same-content" fails byte.raw same-content
qemu-img convert -q -f raw -O vpc -o subformat=dynamic byte.raw byte.vhd
run byte.vhd vhd disk.vmdk vmdk
content_only() { fails byte.vhd same-content && [ "$(result byte.vhd.json vhd-footer)" = ok ] && [ "$(result byte.vhd.json vhd-bat)" = ok ]; }
check "a well-formed VHD one guest byte off fails same-content only" content_only

# --- the VMDK's grain tables broken --------------------------------------------------------------
# qemu-img's layout: the grain directory at the header's gdOffset (bytes 56..63), grain table 0
# where its first entry points.
gd=$(u32 disk.vmdk 56 little)
gt=$(u32 disk.vmdk $((gd * 512)) little)
g0=$(u32 disk.vmdk $((gt * 512)) little) g1=$(u32 disk.vmdk $((gt * 512 + 4)) little)
cp disk.vmdk swapped.vmdk
poke swapped.vmdk $((gt * 512)) $(le32 "$g1")                      # grain 0 -> grain 1's data
run swapped.vmdk vmdk disk.vmdk vmdk
check "a VMDK whose grain table points grain 0 at grain 1 fails vmdk-grain-tables" fails swapped.vmdk vmdk-grain-tables
check "... and same-content" fails swapped.vmdk same-content
cp disk.vmdk past.vmdk
poke past.vmdk $((gt * 512 + 4)) $(le32 $(($(stat -c %s disk.vmdk) / 512 + 100)))   # grain 1 -> past the end
run past.vmdk vmdk disk.vmdk vmdk
check "a VMDK whose grain table points past the file fails vmdk-grain-tables" fails past.vmdk vmdk-grain-tables
cp disk.vmdk nogt.vmdk
poke nogt.vmdk $((gd * 512)) 00 00 00 00                           # grain table 0 gone
run nogt.vmdk vmdk disk.vmdk vmdk
check "a VMDK with a grain table missing from its directory fails same-content" fails nogt.vmdk same-content
# The streaming layout: a grain table's marker damaged.
sgd=$(od -An -j $(( ($(stat -c %s stream.vmdk) / 512 - 2) * 512 + 56)) -N 8 -tu8 --endian=little stream.vmdk | tr -d ' ')
sgt=$(u32 stream.vmdk $((sgd * 512)) little)
cp stream.vmdk marker.vmdk
poke marker.vmdk $(((sgt - 1) * 512 + 12)) 02                      # GT marker typed as a GD marker
run marker.vmdk vmdk
check "a streaming VMDK with a grain table behind the wrong marker fails vmdk-grain-tables" fails marker.vmdk vmdk-grain-tables
cp disk.vmdk descriptor.vmdk
sed -i '0,/createType="streamOptimized"/s//createType="monolithicSparse"/' descriptor.vmdk
run descriptor.vmdk vmdk
check "a VMDK whose descriptor is not streamOptimized fails vmdk-stream" fails descriptor.vmdk vmdk-stream
cp stream.vmdk cut.vmdk
truncate -s -512 cut.vmdk                                           # the end-of-stream marker gone
run cut.vmdk vmdk
check "a streaming VMDK without its end-of-stream marker fails vmdk-stream" fails cut.vmdk vmdk-stream

# --- the VHD's footer and block table broken -----------------------------------------------------
size=$(stat -c %s disk.vhd)
cp disk.vhd checksum.vhd
poke checksum.vhd $((size - 512 + 67)) "$(od -An -j $((size - 512 + 67)) -N 1 -tx1 disk.vhd | tr -d ' ' | tr 0-9a-f 1-9a-f0)"
run checksum.vhd vhd disk.vmdk vmdk
check "a VHD whose footer checksum is wrong fails vhd-footer" fails checksum.vhd vhd-footer
cp disk.vhd nofooter.vhd
truncate -s -512 nofooter.vhd                                       # readers that take the copy at 0 still read it
run nofooter.vhd vhd disk.vmdk vmdk
check "a VHD without its footer at the end fails vhd-footer" fails nofooter.vhd vhd-footer
cp disk.vhd copy.vhd
poke copy.vhd 68 ff                                                  # the copy at offset 0 differs (unique id)
run copy.vhd vhd
check "a VHD whose footer copy at offset 0 differs fails vhd-footer" fails copy.vhd vhd-footer
table=$(od -An -j $((512 + 16)) -N 8 -tu8 --endian=big disk.vhd | tr -d ' ')
cp disk.vhd bat.vhd
poke bat.vhd $((table + 4)) 7f ff ff 00                              # block 1 far past the end
run bat.vhd vhd disk.vmdk vmdk
check "a VHD whose block table points past the file fails vhd-bat" fails bat.vhd vhd-bat

# --- bad input ------------------------------------------------------------------------------------
bad_input() {
  local rc=0 err
  err=$("$check_format" disk.raw qcow2 2>&1 >/dev/null) || rc=$?
  [ $rc = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] || { echo "exit $rc: $err"; return 1; }
  rc=0
  err=$("$check_format" none.vmdk vmdk 2>&1 >/dev/null) || rc=$?
  [ $rc = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] || { echo "exit $rc: $err"; return 1; }
}
check "check-format.sh: bad input exits 2 with one line" bad_input

[ "$failed" != 0 ] || rm -rf "$WORK"
finish test-image-formats
