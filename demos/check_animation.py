#!/usr/bin/env python3
"""Checks an animated SVG in a real browser against the cast of the same demo.

For moments spread over the demo (each in the middle of a still stretch of the cast), the
cast is replayed up to that moment by an independent terminal emulator (pyte), and headless
Chromium renders the SVG with every animation paused at that moment; each row's visible text
must be the same (blanks and box-drawing aside: the SVG draws borders as lines).

    python3 demos/check_animation.py tour.svg tour.cast [--moments 12] [--png DIR]

Needs `chromium` (Debian: apt install chromium) and `pyte` (pip install pyte).
"""

import argparse
import html
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import pyte

ROW_HEIGHT = 17.0  # SVG units per row (CELL_H in src/record/export.rs)

PROBE = """
<pre id="out"></pre>
<script>
const at = %d;
for (const a of document.getAnimations()) { a.pause(); a.currentTime = at; }
const pieces = [];
for (const g of document.querySelectorAll('g.f')) {
  if (getComputedStyle(g).opacity !== '1') continue;
  const [, x, y] = /translate\\(([\\d.]+) ([\\d.]+)\\)/.exec(g.getAttribute('transform'));
  const text = Array.from(g.querySelectorAll('text')).map(t => t.textContent).join('');
  pieces.push([Math.round(parseFloat(y) / %f), parseFloat(x), text]);
}
pieces.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
const rows = {};
for (const [y, , text] of pieces) rows[y] = (rows[y] || '') + text;
document.getElementById('out').textContent = JSON.stringify(rows);
</script>
"""


def comparable(text):
    return "".join(c for c in text if not c.isspace() and not ("\u2500" <= c <= "\u259f"))


def cast_events(path):
    lines = pathlib.Path(path).read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    return header, [json.loads(line) for line in lines[1:]]


def terminal_at(header, events, moment):
    screen = pyte.Screen(header["width"], header["height"])
    stream = pyte.Stream(screen)
    for time, kind, data in events:
        if time > moment:
            break
        if kind == "r":
            cols, rows = data.split("x")
            screen.resize(int(rows), int(cols))
        else:
            stream.feed(data)
    return [comparable(line) for line in screen.display]


def browser_at(svg, moment_ms, png=None):
    with tempfile.TemporaryDirectory() as tmp:
        page = pathlib.Path(tmp) / "probe.html"
        page.write_text(
            "<!doctype html><html><body style='margin:0'>" + svg + PROBE % (moment_ms, ROW_HEIGHT) + "</body></html>",
            encoding="utf-8",
        )
        base = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
        dom = subprocess.run(
            base + ["--virtual-time-budget=1000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, check=True,
        ).stdout
        if png:
            subprocess.run(
                base + ["--window-size=1100,700", f"--screenshot={png}", page.as_uri()],
                capture_output=True, check=True,
            )
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    rows = json.loads(html.unescape(found.group(1))) if found else {}
    return {int(y): comparable(text) for y, text in rows.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("svg")
    parser.add_argument("cast")
    parser.add_argument("--moments", type=int, default=12)
    parser.add_argument("--png", help="also save a PNG of each moment into this directory")
    args = parser.parse_args()
    svg = pathlib.Path(args.svg).read_text(encoding="utf-8")
    header, events = cast_events(args.cast)
    still = []
    for (time, _, _), (following, _, _) in zip(events, events[1:]):
        if following - time >= 0.3:
            still.append((time + following) / 2)
    if not still:
        sys.exit("the cast has no still moments to compare")
    step = max(1, len(still) // args.moments)
    moments = [(m, m) for m in still[::step][: args.moments]]
    # The last screen held before the loop, and a moment of the second time round.
    loop = float(re.search(r"animation:([\d.]+)s", svg).group(1))
    moments.append((events[-1][0] + 1.0, loop - 1.0))
    moments.append((moments[0][0], loop + moments[0][0]))
    failures = 0
    for number, (moment, shown_at) in enumerate(moments):
        expected = terminal_at(header, events, moment)
        png = None
        if args.png:
            pathlib.Path(args.png).mkdir(parents=True, exist_ok=True)
            png = str(pathlib.Path(args.png) / f"moment-{number:02}-{moment:07.2f}s.png")
        shown = browser_at(svg, round(shown_at * 1000), png)
        wrong = [y for y, text in enumerate(expected) if shown.get(y, "") != text]
        wrong += [y for y in shown if y >= len(expected) and shown[y]]
        status = "ok" if not wrong else f"{len(wrong)} rows differ"
        print(f"{shown_at:8.2f} s  {status}")
        for y in wrong[:3]:
            cast = expected[y][:70] if y < len(expected) else ""
            print(f"    row {y}: cast    {cast!r}")
            print(f"    row {y}: browser {shown.get(y, '')[:70]!r}")
        failures += bool(wrong)
    print(f"{len(moments) - failures} of {len(moments)} moments match")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
