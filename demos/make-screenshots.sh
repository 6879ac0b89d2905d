#!/bin/sh
# Regenerates screenshots/: the README's pictures (every state of `switchboard screenshot`), the
# tour as an animated SVG and as an asciicast. All come from the reproducible demo, so a rerun
# gives the same bytes and a diff shows exactly what a change did to the screen.
set -eu
cd "$(dirname "$0")/.."
cargo run --quiet -- screenshot --out screenshots --size 160x48
cargo run --quiet -- demo demos/tour.demo --out screenshots/tour.cast --svg screenshots/tour.svg
