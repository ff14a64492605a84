#!/usr/bin/env bash
# The cheap proof that an exported file is the disk that was booted, and well-formed in its own
# format, without booting it: the release's formats are one guest disk, so one of them goes
# through the boot matrix (verify.sh) and the others only through this.
#
#   check-format.sh IMAGE FORMAT [BOOTED BOOTED_FORMAT]     FORMAT: vmdk, vhd or raw
#
# Checks (ansible/image/README.md, "The cheap proof"):
#   vmdk-stream        VMware's stream-optimized layout: header (version 3, deflated grains
#                      with markers), descriptor (createType streamOptimized, one extent of the
#                      header's capacity); when the directory is at the end, the footer and
#                      end-of-stream marker there
#   vmdk-grain-tables  the grain directory and every grain table behind their markers; each
#                      grain inside the file, before the directory, none twice, and the first and
#                      last grain of each table with a marker for the right sector
#   vhd-footer         the footer in the last 512 bytes (cookie, checksum, version, fixed or
#                      dynamic), the same copy at offset 0 (dynamic)
#   vhd-bat            (dynamic) the header's cookie and checksum, a block allocation table
#                      covering the disk, each block inside the file, none twice, the file ending
#                      with the last block and the footer
#   raw-size           RAW: the file is the whole disk (as AWS writes it)
#   readable           qemu-img reads it as FORMAT (a hypervisor's reader)
#   same-size          (BOOTED) the disk is as large as the booted one's (a VHD, this file or
#                      the booted one, rounds up to its geometry: at most 8 MiB more, read as
#                      zeros)
#   same-content       (BOOTED) qemu-img compare: every guest-visible byte equals the booted one's
# stdout: {"format","sha256","size","virtualSize","sameAs","checks":{"name":"ok" | "why not"}}
# exit: 0 every check ok, 1 a check failed, 2 bad input
set -eu -o pipefail
usage() { echo "check-format.sh: $*" >&2; exit 2; }
[ $# = 2 ] || [ $# = 4 ] || usage "usage: check-format.sh IMAGE vmdk|vhd|raw [BOOTED vmdk|vhd|raw]"
image=$1 format=$2 booted=${3:-} booted_format=${4:-}
qemu() { case $1 in vmdk) echo vmdk ;; vhd) echo vpc ;; raw) echo raw ;; *) return 1 ;; esac; }
qemu "$format" >/dev/null || usage "$image: unknown format '$format' (vmdk, vhd or raw)"
[ -f "$image" ] && [ -r "$image" ] || usage "$image: no such readable file"
if [ -n "$booted" ]; then
  qemu "$booted_format" >/dev/null || usage "$booted: unknown format '$booted_format' (vmdk, vhd or raw)"
  [ -f "$booted" ] && [ -r "$booted" ] || usage "$booted: no such readable file"
fi
for tool in qemu-img od jq openssl; do command -v "$tool" >/dev/null || usage "$tool is missing: make deps installs it"; done

declare -A checks=()
ok() { checks[$1]=ok; }
no() { checks[$1]=$2; echo "check-format: $image: $1: $2" >&2; }
# The checks as one JSON object.
checks_json() { for name in "${!checks[@]}"; do printf '%s\t%s\n' "$name" "${checks[$name]}"; done |
  jq -Rn '[inputs | split("\t") | {(.[0]): .[1]}] | add // {}'; }
size=$(stat -c %s "$image")
# num FILE OFFSET BYTES big|little: an unsigned integer read from the file (as a decimal string).
num() { od -An -v -j "$2" -N "$3" -tu"$3" --endian="$4" "$1" | tr -d ' \n'; }
text() { od -An -v -j "$2" -N "$3" -c "$1" | tr -d ' \n'; }
virtual_size() { qemu-img info --output=json -f "$(qemu "$2")" "$1" | jq -er '."virtual-size"'; }

# --- VMDK (VMware Virtual Disk Format 5.0: the sparse extent header, markers, stream-optimized) ---
GD_AT_END=18446744073709551615
# vmdk_header OFFSET: checks the header there; sets flags capacity grain desc_off desc_size
# gt_entries gd overhead, or prints why not and fails.
vmdk_header() {
  local at=$1
  [ "$(text "$image" "$at" 4)" = KDMV ] || { echo "no KDMV magic at byte $at"; return 1; }
  [ "$(num "$image" $((at + 4)) 4 little)" = 3 ] || { echo "version $(num "$image" $((at + 4)) 4 little), not 3 (stream-optimized)"; return 1; }
  flags=$(num "$image" $((at + 8)) 4 little)
  capacity=$(num "$image" $((at + 12)) 8 little) grain=$(num "$image" $((at + 20)) 8 little)
  desc_off=$(num "$image" $((at + 28)) 8 little) desc_size=$(num "$image" $((at + 36)) 8 little)
  gt_entries=$(num "$image" $((at + 44)) 4 little) gd=$(num "$image" $((at + 56)) 8 little)
  overhead=$(num "$image" $((at + 64)) 8 little)
  (( (flags >> 16) & 1 )) && (( (flags >> 17) & 1 )) || { echo "flags $flags: not compressed grains with markers"; return 1; }
  [ "$(num "$image" $((at + 77)) 2 little)" = 1 ] || { echo "compression is not deflate"; return 1; }
  [ "$grain" -gt 0 ] && [ "$gt_entries" -gt 0 ] || { echo "no grains or grain tables"; return 1; }
}
marker() {  # marker SECTOR: "VALUE SIZE TYPE" of the marker there
  echo "$(num "$image" $(($1 * 512)) 8 little) $(num "$image" $(($1 * 512 + 8)) 4 little) $(num "$image" $(($1 * 512 + 12)) 4 little)"
}
# The grain directory is where the header says, or (GD_AT_END, the streaming layout) where the
# footer at the end says, and then each table follows a marker.
check_vmdk() {
  local flags capacity grain desc_off desc_size gt_entries gd overhead descriptor sectors=$((size / 512)) markers=
  if ! vmdk_header 0 >"$work/why"; then no vmdk-stream "header: $(cat "$work/why")"; no vmdk-grain-tables "no header"; return; fi
  local head="$capacity $grain $gt_entries"
  descriptor=$(dd if="$image" bs=512 skip="$desc_off" count="$desc_size" status=none | tr -d '\0')
  if ! grep -q '^createType="streamOptimized"' <<<"$descriptor"; then no vmdk-stream "the descriptor's createType is not streamOptimized"
  elif [ "$(grep -cE '^(RW|RDONLY) [0-9]+ SPARSE ' <<<"$descriptor")" != 1 ] ||
       [ "$(grep -E '^(RW|RDONLY) ' <<<"$descriptor" | cut -d' ' -f2)" != "$capacity" ]; then
    no vmdk-stream "the descriptor's extent is not one sparse extent of $capacity sectors"
  elif [ $((size % 512)) != 0 ]; then no vmdk-stream "$size bytes: not whole sectors"
  elif [ "$gd" = $GD_AT_END ] && [ -n "$(od -An -v -j $((size - 512)) -N 512 -tx1 "$image" | tr -d ' \n0')" ]; then
    no vmdk-stream "no end-of-stream marker in the last sector"
  elif [ "$gd" = $GD_AT_END ] && [ "$(marker $((sectors - 3)))" != "1 0 3" ]; then no vmdk-stream "no footer marker before the footer"
  elif [ "$gd" = $GD_AT_END ] && ! (vmdk_header $(((sectors - 2) * 512)) >"$work/why"); then no vmdk-stream "footer: $(cat "$work/why")"
  else ok vmdk-stream; fi
  if [ "$gd" = $GD_AT_END ]; then
    markers=1
    vmdk_header $(((sectors - 2) * 512)) >/dev/null || { no vmdk-grain-tables "no footer"; return; }
    [ "$capacity $grain $gt_entries" = "$head" ] || { no vmdk-grain-tables "the footer's capacity or grains differ from the header's"; return; }
  fi
  local span=$((grain * gt_entries)) gt_sectors=$(((gt_entries * 4 + 511) / 512)) gd_entries gd_sectors
  gd_entries=$(((capacity + span - 1) / span)) gd_sectors=$(((gd_entries * 4 + 511) / 512))
  if [ "$gd" -le 0 ] || [ $((gd + gd_sectors)) -ge "$sectors" ]; then no vmdk-grain-tables "the grain directory at sector $gd is outside the file"; return; fi
  [ -z "$markers" ] || [ "$(marker $((gd - 1)))" = "$gd_sectors 0 2" ] || { no vmdk-grain-tables "no grain directory marker before sector $gd"; return; }
  local gts=() gt i=0 result
  read -ra gts <<<"$(od -An -v -j $((gd * 512)) -N $((gd_entries * 4)) -tu4 --endian=little "$image" | tr '\n' ' ')"
  [ ${#gts[@]} = "$gd_entries" ] || { no vmdk-grain-tables "the grain directory is cut short"; return; }
  : >"$work/grains"
  for gt in "${gts[@]}"; do
    if [ "$gt" != 0 ]; then
      [ $((gt + gt_sectors)) -lt "$sectors" ] || { no vmdk-grain-tables "grain table $i (sector $gt) is outside the file"; return; }
      [ -z "$markers" ] || [ "$(marker $((gt - 1)))" = "$gt_sectors 0 1" ] ||
        { no vmdk-grain-tables "grain table $i (sector $gt) has no grain table marker"; return; }
      od -An -v -j $((gt * 512)) -N $((gt_entries * 4)) -tu4 --endian=little "$image" |
        tr -s ' \n' '\n' | awk -v base=$((i * gt_entries)) 'NF { print base + n++, $1 }' >>"$work/grains"
    fi
    i=$((i + 1))
  done
  # Every grain: in the data part of the file, none twice. The first and last of each table: a
  # grain marker naming its own sector.
  if result=$(awk -v low="$overhead" -v high=$((sectors - 1)) '
      $2 == 0 { next }
      $2 < low || $2 >= high { print "grain " $1 " points to sector " $2 ", outside the grains"; exit 1 }
      seen[$2]++ { print "grain " $1 " shares sector " $2 " with another"; exit 1 }' "$work/grains"); then
    local g s
    while read -r g s; do
      [ "$(marker "$s" | cut -d' ' -f1)" = $((g * grain)) ] || { result="grain $g at sector $s has a marker for another sector"; break; }
    done < <(awk -v per="$gt_entries" '$2 != 0 { t = int($1 / per); if (!(t in first)) { first[t] = $0 }; last[t] = $0 }
                                  END { for (t in first) { print first[t]; print last[t] } }' "$work/grains")
  fi
  if [ -n "$result" ]; then no vmdk-grain-tables "$result"; else ok vmdk-grain-tables; fi
}

# --- VHD (Microsoft's Virtual Hard Disk Image Format Specification: footer, dynamic header, BAT) ---
# checksum FILE OFFSET LENGTH SKIP: one's complement of the byte sum, the 4 bytes at SKIP left out.
checksum() {
  od -An -v -j "$2" -N "$3" -tu1 "$1" | tr -s ' \n' '\n' |
    awk -v skip="$4" 'NF { if (i < skip || i >= skip + 4) s += $1; i++ } END { printf "%.0f\n", 4294967295 - (s % 4294967296) }'
}
check_vhd() {
  local f=$((size - 512)) type data_offset current
  if [ $((size % 512)) != 0 ] || [ "$size" -lt 512 ]; then no vhd-footer "$size bytes: not whole sectors"; no vhd-bat "no footer"; return; fi
  type=$(num "$image" $((f + 60)) 4 big) data_offset=$(num "$image" $((f + 16)) 8 big) current=$(num "$image" $((f + 48)) 8 big)
  if [ "$(text "$image" "$f" 8)" != conectix ]; then no vhd-footer "no footer (cookie conectix) in the last 512 bytes"
  elif [ "$(num "$image" $((f + 64)) 4 big)" != "$(checksum "$image" "$f" 512 64)" ]; then no vhd-footer "the footer's checksum is wrong"
  elif [ "$(num "$image" $((f + 12)) 4 big)" != 65536 ]; then no vhd-footer "file format version is not 1.0"
  elif [ "$type" != 2 ] && [ "$type" != 3 ]; then no vhd-footer "disk type $type, not fixed (2) or dynamic (3)"
  elif [ "$type" = 2 ] && [ "$size" != $((current + 512)) ]; then no vhd-footer "fixed: $size bytes, not the disk's $current plus the footer"
  elif [ "$type" = 3 ] && ! cmp -s -n 512 "$image" - < <(tail -c 512 "$image"); then no vhd-footer "the copy of the footer at offset 0 differs"
  else ok vhd-footer; fi
  # A fixed disk has no table; a broken footer leaves nothing to find it by.
  [ "${checks[vhd-footer]}" = ok ] || { no vhd-bat "no valid footer to find the table by"; return; }
  [ "$type" = 3 ] || return 0
  local h=$data_offset table entries block bitmap
  if [ "$h" -gt $((size - 1536)) ] || [ "$(text "$image" "$h" 8)" != cxsparse ]; then no vhd-bat "no dynamic disk header (cxsparse) at $h"; return; fi
  [ "$(num "$image" $((h + 36)) 4 big)" = "$(checksum "$image" "$h" 1024 36)" ] || { no vhd-bat "the dynamic disk header's checksum is wrong"; return; }
  table=$(num "$image" $((h + 16)) 8 big) entries=$(num "$image" $((h + 28)) 4 big) block=$(num "$image" $((h + 32)) 4 big)
  bitmap=$(((block / 512 / 8 + 511) / 512 * 512))
  if [ "$block" = 0 ] || [ $((block & (block - 1))) != 0 ]; then no vhd-bat "block size $block is not a power of two"; return; fi
  [ $((entries * block)) -ge "$current" ] || { no vhd-bat "$entries blocks of $block bytes do not cover the disk's $current"; return; }
  [ $((table + entries * 4)) -le $((size - 512)) ] || { no vhd-bat "the table ends past the footer"; return; }
  local result
  result=$(od -An -v -j "$table" -N $((entries * 4)) -tu4 --endian=big "$image" | tr -s ' \n' '\n' |
    awk -v per=$((bitmap + block)) -v end=$((size - 512)) -v low=$((table + entries * 4)) '
      !NF { next }
      { i++ }
      $1 == 4294967295 { next }
      $1 * 512 < low || $1 * 512 + per > end { print "block " i - 1 " at sector " $1 " lies outside the data"; exit 1 }
      seen[$1]++ { print "block " i - 1 " shares sector " $1 " with another"; exit 1 }
      $1 * 512 + per > last { last = $1 * 512 + per }
      END { if (!last) last = low; if (end - last >= per) print "the file has " end - last " bytes no block accounts for" }') || true
  if [ -n "$result" ]; then no vhd-bat "$result"; else ok vhd-bat; fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
case $format in
  vmdk) check_vmdk ;;
  vhd) check_vhd ;;
  # Nothing in a RAW file says what it is: it must not look like another format to a reader.
  raw) actual=$(qemu-img info --output=json "$image" | jq -r .format)
       if [ "$actual" = raw ]; then ok raw-size; else no raw-size "qemu-img reads it as $actual, not raw"; fi ;;
esac
# What QEMU reads in it (as a hypervisor would): its disk's size, or why it cannot.
if virtual=$(virtual_size "$image" "$format" 2>"$work/qemu.err"); then ok readable
else virtual=null; no readable "qemu-img cannot read it as $format: $(tail -n 1 "$work/qemu.err")"; fi
same_as=null
if [ -n "$booted" ]; then
  expected=$(virtual_size "$booted" "$booted_format") || usage "$booted: qemu-img cannot read it as $booted_format"
  # What a format's geometry may add to the disk: 8 MiB for a VHD, nothing for the others.
  rounding() { if [ "$1" = vhd ]; then echo $((8 * 1024 * 1024)); else echo 0; fi; }
  if [ "$virtual" = null ]; then no same-size "qemu-img cannot read it as $format"
  elif [ "$virtual" -ge $((expected - $(rounding "$booted_format"))) ] && [ "$virtual" -le $((expected + $(rounding "$format"))) ]; then ok same-size
  else no same-size "its disk has $virtual bytes, the booted one $expected"; fi
  rc=0
  out=$(qemu-img compare -f "$(qemu "$booted_format")" -F "$(qemu "$format")" "$booted" "$image" 2>&1) || rc=$?
  case $rc in
    0) ok same-content ;;
    1) no same-content "not the booted disk: $(tail -n 1 <<<"$out")" ;;
    *) no same-content "qemu-img compare failed: $(tail -n 1 <<<"$out")" ;;
  esac
  same_as=$(jq -cn --arg file "${booted##*/}" --arg format "$booted_format" '{file: $file, format: $format}')
fi

failed=0
for name in "${!checks[@]}"; do [ "${checks[$name]}" = ok ] || failed=1; done
# OpenSSL's SHA-256 uses the CPU's SHA extensions where it has them; coreutils' sha256sum never does
# (measured here: 2.1 s of CPU for a 3 GiB RAW, against 12.9 s).
jq -cn --arg format "$format" --arg sha256 "$(openssl dgst -sha256 -r "$image" | cut -d' ' -f1)" --argjson size "$size" \
  --argjson virtualSize "$virtual" --argjson sameAs "$same_as" --argjson checks "$(checks_json)" \
  '{format: $format, sha256: $sha256, size: $size, virtualSize: $virtualSize, sameAs: $sameAs, checks: $checks}'
exit $failed
