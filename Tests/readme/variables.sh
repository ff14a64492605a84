#!/usr/bin/env bash
# The make variables a user may set are checked and documented: each one the make files give a
# default (NAME ?= …) has an input rule (input_rule.NAME, matched before make expands anything),
# each checked one has a row in the README's table under "## Make variables", and each row names
# a variable make knows, with its meaning and its default. One line per problem; exit 1 if any.
# Usage: CHECKED='names with an input rule' KNOWN='$(.VARIABLES)' variables.sh README MAKEFILE...
set -uo pipefail
: "${CHECKED:?}" "${KNOWN:?}"
readme=$1; shift
problems=0
problem() { echo "$*"; problems=$((problems + 1)); }
has() { [[ " $1 " == *" $2 "* ]]; }  # has LIST WORD

table=$(awk '/^## Make variables/ { on = 1; next } on && /^## / { exit } on && /^\|/' "$readme")
[ -n "$table" ] || { echo "$readme: no table under '## Make variables'"; exit 1; }
rows=$(sed '1,2d' <<<"$table")  # without the header and its --- line
documented=" "
while IFS= read -r row; do
  names=$(awk -F'|' '{ print $2 }' <<<"$row" | grep -oE '`[A-Z][A-Z0-9_]*`' | tr -d '`' | tr '\n' ' ')
  [ -n "$names" ] || { problem "$readme: a row of the variable table names no variable: $row"; continue; }
  awk -F'|' 'NF != 5 || $3 ~ /^ *$/ || $4 ~ /^ *$/ { exit 1 }' <<<"$row" \
    || problem "$readme: the row of ${names% } needs three cells: variable | meaning | default"
  documented+="$names"
done <<<"$rows"

for v in $documented; do
  has "$KNOWN $CHECKED" "$v" || problem "$readme: the variable table names $v, which no make file defines"
done
for v in $CHECKED; do
  has "$documented" "$v" || problem "$readme: $v (the Makefile checks it: input_rule.$v) has no row in the table under '## Make variables'"
done
for v in $(grep -hoE '^[A-Z][A-Z0-9_]* *\?=' "$@" | tr -d ' ?=' | sort -u); do
  has "$CHECKED" "$v" || problem "$v has a default (?=) but no input rule: add input_rule.$v and input_what.$v to the Makefile"
done

echo "make variables: $(wc -w <<<"$CHECKED") checked, $(wc -w <<<"$documented") in $readme's table, $problems problems"
[ "$problems" -eq 0 ]
