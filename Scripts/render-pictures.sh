#!/usr/bin/env bash
# Runs the whole playground tour and renders every SVG picture it writes to PNG with rsvg-convert (Debian's
# librsvg2-bin, installed if missing), failing if a picture does not render or renders empty. The PNGs are
# left in the output folder for a person to look at.
#
#   Scripts/render-pictures.sh [OUTPUT-DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-playground-output}
if ! command -v rsvg-convert >/dev/null; then
    apt-get update -qq && apt-get install -y -qq librsvg2-bin >/dev/null
fi
swift run -c release playground --out "$out" > "$out.log"
count=0
for svg in "$out"/*.svg; do
    png="${svg%.svg}.png"
    rsvg-convert "$svg" -o "$png"
    size=$(stat -c %s "$png")
    if [ "$size" -lt 2000 ]; then
        echo "$png is suspiciously small ($size bytes)"
        exit 1
    fi
    count=$((count + 1))
done
echo "rendered $count pictures to PNG in $out/"
