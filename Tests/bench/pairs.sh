# Sourced by the benchmarks. The machine is shared, so every result carries the load it was
# measured under, and a speed-up is the median of the ratios of alternating pairs (each pair
# ran under about the same load) with their spread: noise shows as a wide spread, a regression
# as a lower median.

# "load 0.52 0.61 0.70 on 2 cores": the 1, 5 and 15 minute load averages.
load() { read -r a b c _ </proc/loadavg; echo "load $a $b $c on $(nproc) cores"; }

# pair_ratio "OURS..." "THEIRS...": "18.2x median (14.9–22.0x over 25 pairs)", each pair's
# ratio being THEIRS / OURS.
pair_ratio() {
  paste -d' ' <(tr ' ' '\n' <<<"$1") <(tr ' ' '\n' <<<"$2") | awk '$1 > 0 {print $2 / $1}' | sort -g \
    | awk '{r[NR] = $1} END {m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
        printf "%.1fx median (%.1f–%.1fx over %d pairs)", m, r[1], r[NR], NR}'
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
