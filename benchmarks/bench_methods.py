"""convcore's conv2d methods side by side, as the "Under the hood" page measures them.

Run from the repository root::

    python benchmarks/bench_methods.py                      # 512², 1 MP and 12 MP, 60 s each
    python benchmarks/bench_methods.py --sizes 512x512 --budget 20
    python benchmarks/bench_methods.py --sizes 512x512 --budget 3  # the page's default view

For each image size it calls :func:`convcore.time_methods` — the very function the page
uses: square kernels 3, 5, ..., 31, "same" padding, float32, every method and PyTorch's
``conv2d`` interleaved, medians of the rounds, a time budget — and prints one row per kernel
size with the method ``conv2d(method="auto")`` picks, then the kernel size from which the FFT
beats the direct sum (and im2col). Random kernels by default (``--kernel gaussian`` for rank-1
ones, where "separable" applies). Thread counts are left as the environment sets them, as in
the app.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import convcore


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="512x512,1000x1000,3000x4000",
                        help="comma-separated HxW image sizes")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per image size")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kernel", choices=("random", "gaussian"), default="random")
    return parser.parse_args()


def _cell(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def print_sweep(result: convcore.MethodTiming) -> None:
    h, w = result.image_hw
    print(f"{h}×{w} ({h * w / 1e6:.2f} MP), {result.kernel} kernels, budget "
          f"{result.budget_s:g} s, took {result.elapsed_s:.1f} s; PyTorch threads: "
          f"{result.torch_threads}")
    header = "  k " + "".join(f"{m:>11}" for m in result.methods) + "       auto"
    print(header)
    for i, k in enumerate(result.kernel_sizes):
        cells = "".join(f"{_cell(result.seconds[m][i]):>11}" for m in result.methods)
        print(f"{k:>3} {cells} {result.auto_methods[i]:>10}")
    print(f"FFT faster than direct from k = {result.crossover('fft', 'direct')}, than im2col "
          f"from k = {result.crossover('fft', 'im2col')}; "
          f"{len(result.not_measured)} cells not measured (— above)\n")


def main() -> int:
    args = _parse_args()
    for size in args.sizes.split(","):
        h, w = (int(n) for n in size.lower().split("x"))
        result = convcore.time_methods((h, w), budget_s=args.budget, rounds=args.rounds,
                                       kernel=args.kernel)
        print_sweep(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
