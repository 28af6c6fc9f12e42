#!/usr/bin/env bash
# Markdown for the job summary: this checkout's data package against the package as it was at the last
# release (the commit that last wrote releases/<newest version>.json), or against the previous commit when
# that commit is this one or no release is recorded. Needs the git history (actions/checkout fetch-depth: 0).
# Usage: bash .github/data-diff.sh >> "$GITHUB_STEP_SUMMARY"   (COALITION_DATA: the command, if not on PATH)
set -euo pipefail
cli=${COALITION_DATA:-coalition-data}
repo=$(git rev-parse --show-toplevel)
cd "$repo"

newest=$(find releases -maxdepth 1 -name '*.json' 2>/dev/null | sed -n 's|^releases/\([0-9]*\.[0-9]*\.[0-9]*\)\.json$|\1|p' \
         | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1)
base="" baseline=""
if [ -n "$newest" ]; then
  base=$(git log -1 --format=%H -- "releases/$newest.json")
  baseline="release $newest"
fi
if [ -z "$base" ] || [ "$base" = "$(git rev-parse HEAD)" ]; then
  base=$(git rev-parse --verify --quiet 'HEAD^' || true)
  baseline="the previous commit"
fi
if [ -z "$base" ]; then
  echo "No earlier commit to compare the data with."
  exit 0
fi

work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/data-diff.XXXXXX")
trap 'rm -rf "$work"' EXIT
short=$(git rev-parse --short "$base")
old="$work/${baseline// /-}@$short"
mkdir "$old"
git archive "$base" | tar -x -C "$old"

echo "Baseline: $baseline (commit \`$short\`), as committed; compared with this checkout."
echo
"$cli" diff "$old" "$repo" --format markdown
