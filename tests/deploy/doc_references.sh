#!/usr/bin/env bash
# doc_references: every document the repository cites is in the repository.
#
# A clone must stand on its own, so in every tracked file (git ls-files; this script excepted):
#   1. no mention of the background files that live outside the repository (the protocol sheet,
#      the command-line contract, the FHIR, export and sandbox notes, the style notes, or the
#      folder beside the checkout that holds them): their content is in docs/;
#   2. every docs/NAME.md named (from the root, or as ../docs/NAME.md) exists;
#   3. a section cited by name right after a document, `docs/NAME.md "Section"` (or
#      `"A", "B"`), is a heading of that document (a heading equal to it or starting with it);
#   4. an anchor `docs/NAME.md#anchor`, and in docs/*.md a link `(#anchor)` or `(NAME.md#anchor)`,
#      names a heading of its target (GitHub's slugs: lower case, punctuation dropped, spaces
#      to hyphens).
# Prints file:line and the reason for every offence; exit 0 when there is none, 1 otherwise,
# 77 (skipped) outside a git checkout.
set -euo pipefail
export LC_ALL=C
source_dir=${FA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$source_dir"
self=tests/deploy/doc_references.sh
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "SKIP: $source_dir is not a git checkout (the tracked files cannot be listed)"
  exit 77
fi

failures=0
fail() {
  echo "$1"
  failures=$((failures + 1))
}

# tracked files, text only, this script excepted: file:line:text
tracked_grep() {
  git grep -n -I -E "$1" -- . ":(exclude)$self" || true
}

# The headings of a markdown file, outside fenced code blocks, without #s and backticks; with
# `slugs`, their GitHub anchors instead. (POSIX awk: no interval expressions, for mawk.)
headings() {
  awk -v slugs="${2:-}" '/^ ? ? ?(```|~~~)/ { fenced = !fenced; next }
       !fenced && /^#+[ \t]/ {
         sub(/^#+[ \t]+/, ""); sub(/[ \t]+#*[ \t]*$/, ""); gsub(/`/, "")
         if (slugs) { $0 = tolower($0); gsub(/[^a-z0-9 _-]/, ""); gsub(/ /, "-") }
         print
       }' "$1"
}

declare -A heading_cache slug_cache
has_anchor() {  # file anchor
  [ -n "${slug_cache[$1]+set}" ] || slug_cache[$1]=$'\n'$(headings "$1" slugs)$'\n'
  [[ ${slug_cache[$1]} == *$'\n'"$2"$'\n'* ]]
}

has_section() {  # file section: a heading equal to it or starting with it
  [ -n "${heading_cache[$1]+set}" ] || heading_cache[$1]=$'\n'$(headings "$1")
  [[ ${heading_cache[$1]} == *$'\n'"$2"* ]]
}

# 1. Files outside the repository (one git grep; one line per offence).
outside='(^|[^A-Za-z0-9_-])(PROTOCOL|CONTRACT|FHIR-NOTES|EXPORT-NOTES|SANDBOX-NOTES|STYLE)\.md|\.\./shared([^A-Za-z0-9_-]|$)'
while IFS= read -r offence; do
  [ -n "$offence" ] || continue
  fail "$offence"
done < <(git grep -n -o -I -E "$outside" -- . ":(exclude)$self" |
  sed -E 's/^([^:]*:[0-9]+):[^A-Za-z.]?(.*[A-Za-z])[^A-Za-z]*$/\1: cites \2, which is not in the repository (cite docs\/ instead)/' |
  sort -u || true)

# 2. and 3. docs/NAME.md exists; a section named after it is one of its headings.
doc_ref='(^|[^A-Za-z0-9_./-]|\.\./)docs/[A-Za-z0-9_.-]+\.md'
while IFS= read -r hit; do
  [ -n "$hit" ] || continue
  where=${hit%%:*}
  rest=${hit#*:}
  line=${rest%%:*}
  text=${rest#*:}
  while IFS= read -r ref; do
    [ -n "$ref" ] || continue
    doc=$(printf '%s' "$ref" | grep -oE 'docs/[A-Za-z0-9_.-]+\.md')
    if [ ! -f "$doc" ]; then
      fail "$where:$line: $doc does not exist"
      continue
    fi
  done < <(printf '%s\n' "$text" | grep -oE "$doc_ref")
  while IFS= read -r cited; do
    [ -n "$cited" ] || continue
    doc=$(printf '%s' "$cited" | grep -oE '^docs/[A-Za-z0-9_.-]+\.md')
    [ -f "$doc" ] || continue
    while IFS= read -r section; do
      has_section "$doc" "$section" || fail "$where:$line: $doc has no section \"$section\""
    done < <(printf '%s' "${cited#"$doc"}" | grep -oE '"[^"]+"' | tr -d '"')
  done < <(printf '%s\n' "$text" | grep -oE 'docs/[A-Za-z0-9_.-]+\.md "[^"]+"(, "[^"]+")*')
  while IFS= read -r anchored; do
    [ -n "$anchored" ] || continue
    doc=${anchored%%#*}
    [ -f "$doc" ] || continue
    has_anchor "$doc" "${anchored#*#}" || fail "$where:$line: $doc has no heading for #${anchored#*#}"
  done < <(printf '%s\n' "$text" | grep -oE 'docs/[A-Za-z0-9_.-]+\.md#[A-Za-z0-9_-]+')
done < <(tracked_grep "$doc_ref")

# 4. Links between the documents of docs/.
for doc in $(git ls-files 'docs/*.md'); do
  while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    line=${hit%%:*}
    while IFS= read -r link; do
      [ -n "$link" ] || continue
      target=${link#](}
      target=${target%)}
      file=${target%%#*}
      anchor=${target#*#}
      if [ -z "$file" ]; then
        file=$doc
      else
        file=docs/$file
      fi
      if [ ! -f "$file" ]; then
        fail "$doc:$line: links to $file, which does not exist"
      elif ! has_anchor "$file" "$anchor"; then
        fail "$doc:$line: $file has no heading for #$anchor"
      fi
    done < <(printf '%s\n' "${hit#*:}" | grep -oE '\]\(([A-Za-z0-9_.-]+\.md)?#[A-Za-z0-9_-]+\)')
  done < <(grep -nE '\]\(([A-Za-z0-9_.-]+\.md)?#' "$doc" || true)
done

if [ "$failures" -gt 0 ]; then
  echo "FAIL: $failures reference(s) to documents the repository does not hold"
  exit 1
fi
echo "PASS: every cited document is in the repository"
