"""Where a profiled app process spent its CPU: a summary of py-spy's collapsed stacks.

``python benchmarks/load_test.py --students 30 --profile /tmp/prof.txt`` records the app
process with py-spy while the class works (``--format raw``: one ``frame;frame;… count`` line
per distinct stack, on-CPU samples only). This prints, as percentages of all samples:

- the share of each page script (a sample counts for the page whose file is on its stack),
  of the entry script outside the pages, and of the server outside any script run;
- the functions most often on the stack (inclusive: a function and everything it calls),
  optionally only those of this repository (``--ours``);
- the functions most often at the top of the stack (self time), grouped by package.

Example::

    python benchmarks/profile_summary.py /tmp/prof.txt --top 40
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
ROOT = Path(__file__).resolve().parents[1]
#: py-spy shortens paths: a page script shows as ``channels.py``, ui's as ``ui/figures.py``.
OURS = (*(f"{p.name}" for p in (ROOT / "app_pages").glob("*.py")), "app.py", "ui/",
        "convcore/")


def read_stacks(path: Path) -> list[tuple[list[str], int]]:
    """``(frames outermost first, samples)`` for each line of a py-spy raw file."""
    stacks = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def function_of(frame: str) -> str:
    """``func (short/path.py)`` without the line number, the path from the package down."""
    match = FRAME.match(frame)
    if not match:
        return frame
    file = match["file"]
    for marker in ("site-packages/", "/lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    else:
        file = re.sub(r"^.*?/(app_pages|ui|convcore|app\.py)", r"\1", file)
    return f"{match['func']} ({file})"


def package_of(frame: str) -> str:
    name = function_of(frame)
    file = name[name.rfind("(") + 1:-1]
    if file.startswith(OURS):
        return file.split("/", 1)[0] if "/" in file else "app_pages"
    if file.startswith(".") or "/" not in file:
        return file.split(".")[0] or file
    return file.split("/", 1)[0]


def where(frames: list[str]) -> str:
    for outer, frame in itertools.pairwise(frames):
        if outer.startswith("Page.run (") and (match := FRAME.match(frame)):
            return f"page {Path(match['file']).stem}"
    if any("(app.py:" in frame for frame in frames):
        return "app.py outside the pages"
    if any("script_runner" in frame for frame in frames):
        return "script thread outside app.py"
    return "server (no script run)"


def pct(count: int, total: int) -> str:
    return f"{100 * count / max(1, total):5.1f} %"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="py-spy --format raw outputs")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--ours", action="store_true",
                        help="inclusive list: only functions of app_pages/, ui/, convcore/")
    parser.add_argument("--page", default="", help="only samples of this page (file stem)")
    args = parser.parse_args(argv)
    stacks = [s for f in args.files for s in read_stacks(f)]
    if args.page:
        stacks = [(f, n) for f, n in stacks if where(f) == f"page {args.page}"]
    total = sum(n for _, n in stacks)
    print(f"{total} samples ({total / 100:.1f} CPU s at 100 Hz)")

    by_where = Counter()
    inclusive, leaf = Counter(), Counter()
    for frames, n in stacks:
        by_where[where(frames)] += n
        for name in {function_of(f) for f in frames}:
            inclusive[name] += n
        leaf[package_of(frames[-1])] += n
    print("\nwhere")
    for name, n in by_where.most_common():
        print(f"  {pct(n, total)}  {name}")
    print("\nfunctions on the stack (inclusive)")
    shown = 0
    for name, n in inclusive.most_common():
        if args.ours and not name.rsplit("(", 1)[1].startswith(OURS):
            continue
        print(f"  {pct(n, total)}  {name}")
        shown += 1
        if shown >= args.top:
            break
    print("\nself time by package")
    for name, n in leaf.most_common(args.top // 2):
        print(f"  {pct(n, total)}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
