#!/usr/bin/env bash
# Runs the whole tour (release) so it writes OUTPUT-DIR/index.html, then checks that page in a real browser:
# headless Chromium (Debian's chromium, installed if missing) renders it, a screenshot per chapter goes to
# OUTPUT-DIR/screenshots/, and the check fails on a console error, a picture that does not render, a request
# outside the file, or content wider than the page (desktop and phone widths). See Scripts/check-tour.py.
# By hand, not in CI (it installs a browser); PlaygroundTests checks the page's structure without one.
#
#   Scripts/check-tour.sh [OUTPUT-DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-playground-output}
if ! command -v chromium >/dev/null; then
    apt-get update && apt-get install -y chromium
fi
mkdir -p "$out"
echo "running the tour (release) into $out/"
swift run -c release playground --out "$out" > "$out/tour.log"
python3 Scripts/check-tour.py "$out/index.html" "$out/screenshots"
