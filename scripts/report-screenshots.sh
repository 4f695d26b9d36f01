#!/usr/bin/env bash
# Regenerates the report screenshots in docs/ from the demo's store and plans:
#   cargo run --release -- demo && scripts/report-screenshots.sh
# Needs Chromium (`apt-get install chromium`) and trailcut on the PATH or in target/release.
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:-trailcut-store}
plans=${2:-trailcut-demo}
trailcut=$(command -v trailcut || echo "${CARGO_TARGET_DIR:-target}/release/trailcut")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$trailcut" --store "$store" report --plans "$plans" --out "$tmp/report.html"
shot() { # shot OUTPUT HEIGHT PAGE
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$tmp/profile" --window-size="1400,$2" --screenshot="$1" "file://$3" 2>/dev/null
}
# The top of the page: the overview, the trail's coverage and its gaps.
shot docs/report-overview.png 1250 "$tmp/report.html"
# The Development group's heatmap, alone.
sed 's|</style>|section:not(#usage),header,nav,#usage>h3,#usage>p,#usage>.chart,.map:not([data-subject$=":group/Development"]){display:none}</style>|' \
  "$tmp/report.html" > "$tmp/heatmap.html"
shot docs/report-heatmap.png 420 "$tmp/heatmap.html"
# Story 1's plan: the old and new documents side by side, and the evidence.
sed 's|</style>|section:not(#plans),header,nav,.plan:not([data-plan="Development"]){display:none}</style>|' \
  "$tmp/report.html" > "$tmp/plan.html"
shot docs/report-plan.png 1500 "$tmp/plan.html"
ls -l docs/report-*.png
