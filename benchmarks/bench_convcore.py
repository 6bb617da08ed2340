"""Speed of convcore against PyTorch (and the textbook loop), side by side in one process.

Run from the repository root::

    python benchmarks/bench_convcore.py              # 1 thread for both (the default)
    python benchmarks/bench_convcore.py --threads 2  # BLAS / torch intra-op threads

Both libraries get the same number of threads: ``OPENBLAS_NUM_THREADS``,
``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` are set *before* NumPy is imported (NumPy's
BLAS reads them once, at load time) and ``torch.set_num_threads`` is called with the same
number. Everything is float32. Each workload is timed in interleaved rounds (convcore, then
PyTorch, then convcore, ...) so that a busy machine slows both alike; the table shows the
median of the rounds and the ratio convcore / PyTorch (below 1: convcore is faster).

The PyTorch side of W6 is ``torch.ops.aten.convolution_backward`` with all three gradients
requested: exactly what ``conv2d_backward`` returns, from the same inputs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for NumPy's BLAS and for torch (default 1)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer rounds (noisier figures, about 4× faster)")
    return parser.parse_args()


ARGS = _parse_args() if __name__ == "__main__" else argparse.Namespace(threads=1, quick=True)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)

import tracemalloc  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import convcore  # noqa: E402
from convcore import reference  # noqa: E402

torch.set_num_threads(ARGS.threads)


@dataclass
class Row:
    name: str
    ours: float  # seconds, median
    theirs: float
    target: float  # maximum ratio ours / theirs
    loop_speedup: float | None = None
    loop_note: str = ""
    min_loop_speedup: float | None = None

    @property
    def ratio(self) -> float:
        return self.ours / self.theirs

    @property
    def passed(self) -> bool:
        ok = self.ratio <= self.target
        if self.min_loop_speedup is not None:
            ok = ok and self.loop_speedup is not None and self.loop_speedup >= self.min_loop_speedup
        return ok


def _median_time(fn, number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def compare(ours, theirs, *, number: int, rounds: int) -> tuple[float, float]:
    """Median seconds per call of ``ours`` and ``theirs``, timed in alternating rounds."""
    ours()
    theirs()  # warm-up: caches, lazy initialisation
    a, b = [], []
    for _ in range(rounds):
        a.append(_median_time(ours, number))
        b.append(_median_time(theirs, number))
    return float(np.median(a)), float(np.median(b))


def loop_time(fn, number: int = 1, rounds: int = 3) -> float:
    return float(np.median([_median_time(fn, number) for _ in range(rounds)]))


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(a)


def _scale(rounds: int) -> int:
    return max(3, rounds // 4) if ARGS.quick else rounds


def bench_small(rows: list[Row]) -> None:
    edge = np.ones((1, 1, 6, 8), dtype=np.float32)
    edge[..., 2:6] = 0
    k_edge = np.array([[[[1, -1]]]], dtype=np.float32)
    ours, theirs = compare(lambda: convcore.conv2d(edge, k_edge),
                           lambda: F.conv2d(_t(edge), _t(k_edge)), number=500,
                           rounds=_scale(21))
    loop = loop_time(lambda: reference.corr2d(edge[0, 0], k_edge[0, 0]), number=50)
    rows.append(Row("W1 conv2d 6×8, kernel [1, −1]", ours, theirs, 3.0, loop / ours))

    rng = np.random.default_rng(0)
    x = rng.random((1, 1, 28, 28), dtype=np.float32)
    k = rng.random((1, 1, 3, 3), dtype=np.float32)
    ours, theirs = compare(lambda: convcore.conv2d(x, k), lambda: F.conv2d(_t(x), _t(k)),
                           number=500, rounds=_scale(21))
    loop = loop_time(lambda: reference.corr2d(x[0, 0], k[0, 0]), number=5)
    rows.append(Row("W2 conv2d 28×28, 3×3", ours, theirs, 3.0, loop / ours,
                    min_loop_speedup=50.0))

    g = rng.random((1, 1, 26, 26), dtype=np.float32)
    ours, theirs = compare(lambda: convcore.conv2d_backward(x, k, g),
                           lambda: _torch_backward(g, x, k, padding=0), number=300,
                           rounds=_scale(21))
    rows.append(Row("W6 conv2d_backward on W2", ours, theirs, 1.5))


def _torch_backward(g, x, w, padding):
    return torch.ops.aten.convolution_backward(
        _t(g), _t(x), _t(w), [w.shape[0]], [1, 1], [padding, padding], [1, 1], False, [0, 0],
        1, [True, True, True])


def bench_photo(rows: list[Row], memory: list[tuple[str, float, float]]) -> None:
    photo = np.random.default_rng(1).random((1, 1, 3000, 4000), dtype=np.float32)
    sobel = np.array([[[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]]], dtype=np.float32)
    blur = np.asarray(convcore.gaussian_kernel(15, 3.0), dtype=np.float32)[None, None]
    # Not an outer product: convcore takes the FFT path instead of two 1-D passes.
    rough = np.random.default_rng(4).random((1, 1, 15, 15), dtype=np.float32)
    rough31 = np.random.default_rng(5).random((1, 1, 31, 31), dtype=np.float32)
    for name, kernel, pad, target, method, rounds in (
            ("W3 3000×4000 gray, Sobel 3×3", sobel, 1, 0.3, "auto", 5),
            ("W3 3000×4000 gray, Gaussian 15×15", blur, 7, 0.7, "auto", 5),
            ("W3 3000×4000, random 15×15 (FFT)", rough, 7, 0.7, "auto", 5),
            # PyTorch takes seconds per call here: fewer rounds.
            ("W7 3000×4000, 31×31, method='fft'", rough31, 15, 0.5, "fft", 3)):
        ours, theirs = compare(lambda k=kernel, p=pad, m=method:
                               convcore.conv2d(photo, k, padding=p, method=m),
                               lambda k=kernel, p=pad: F.conv2d(_t(photo), _t(k), padding=p),
                               number=1, rounds=_scale(rounds))
        strip = photo[:, :, :40]  # the loop on a 40-row strip, scaled to the whole photo
        loop = loop_time(lambda k=kernel, s=strip, p=pad:
                         reference.corr2d(np.pad(s[0, 0], p), k[0, 0]), rounds=1)
        out_rows = 40 + 2 * pad - kernel.shape[-1] + 1
        loop *= 3000 / out_rows
        rows.append(Row(name, ours, theirs, target, loop / ours,
                        loop_note="≈, from a 40-row strip"))
        tracemalloc.start()
        out = convcore.conv2d(photo, kernel, padding=pad, method=method)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        memory.append((name, peak, photo.nbytes + out.nbytes))
        del out


def bench_vgg(rows: list[Row]) -> None:
    rng = np.random.default_rng(2)
    x = rng.random((1, 3, 224, 224), dtype=np.float32)
    w = rng.standard_normal((64, 3, 3, 3)).astype(np.float32)
    ours, theirs = compare(lambda: convcore.conv2d(x, w, padding=1),
                           lambda: F.conv2d(_t(x), _t(w), padding=1), number=5,
                           rounds=_scale(15))
    loop = loop_time(lambda: reference.conv2d_loop(x[:, :, :6], w, padding=1), rounds=1)
    rows.append(Row("W4 1×3×224×224 → 64, 3×3, p1", ours, theirs, 1.5,
                    loop * 224 / 6 / ours, loop_note="≈, from a 6-row strip"))
    g = rng.standard_normal((1, 64, 224, 224)).astype(np.float32)
    ours, theirs = compare(lambda: convcore.conv2d_backward(x, w, g, padding=1),
                           lambda: _torch_backward(g, x, w, padding=1), number=3,
                           rounds=_scale(15))
    rows.append(Row("W6 conv2d_backward on W4", ours, theirs, 1.5))


def bench_pool(rows: list[Row]) -> str:
    max_pool = getattr(convcore, "max_pool2d", None)
    avg_pool = getattr(convcore, "avg_pool2d", None)
    if max_pool is None or avg_pool is None:
        return "W5 pooling: pending (convcore.max_pool2d / avg_pool2d not importable yet)"
    x = np.random.default_rng(3).random((1, 64, 112, 112), dtype=np.float32)
    ours, theirs = compare(lambda: max_pool(x, 2, 2), lambda: F.max_pool2d(_t(x), 2, 2),
                           number=10, rounds=_scale(15))
    rows.append(Row("W5 max-pool 2×2 s2, 1×64×112×112", ours, theirs, 0.5))
    ours, theirs = compare(lambda: avg_pool(x, 3, 2, 1), lambda: F.avg_pool2d(_t(x), 3, 2, 1),
                           number=10, rounds=_scale(15))
    rows.append(Row("W5 avg-pool 3×3 s2 p1, 1×64×112×112", ours, theirs, 1.0))
    return ""


def _fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def print_table(rows: list[Row], memory, notes: list[str]) -> bool:
    header = (f"{'workload':40} {'convcore':>10} {'PyTorch':>10} {'ratio':>6} {'target':>7} "
              f"{'vs loop':>9}  result")
    print(header)
    print("-" * len(header))
    for row in rows:
        loop = "" if row.loop_speedup is None else f"{row.loop_speedup:,.0f}×"
        target = f"≤ {row.target:g}"
        if row.min_loop_speedup is not None:
            target += f", loop ≥ {row.min_loop_speedup:g}×"
        print(f"{row.name:40} {_fmt_time(row.ours):>10} {_fmt_time(row.theirs):>10} "
              f"{row.ratio:6.2f} {target:>7} {loop:>9}  {'pass' if row.passed else 'FAIL'}"
              + (f"  ({row.loop_note})" if row.loop_note else ""))
    for note in notes:
        if note:
            print(note)
    print()
    ok = all(row.passed for row in rows)
    for name, peak, io_bytes in memory:
        factor = peak / io_bytes
        passed = factor <= 3.0
        ok = ok and passed
        print(f"peak memory, {name}: {peak / 2**20:.0f} MiB = {factor:.2f} × (input + output "
              f"{io_bytes / 2**20:.0f} MiB), target ≤ 3  {'pass' if passed else 'FAIL'}")
    return ok


def main() -> int:
    print(f"convcore vs PyTorch {torch.__version__}, NumPy {np.__version__}, float32, "
          f"{ARGS.threads} thread(s) each (BLAS env vars + torch.set_num_threads), "
          f"{os.cpu_count()} CPUs; medians of interleaved rounds\n")
    rows: list[Row] = []
    memory: list[tuple[str, float, float]] = []
    bench_small(rows)
    bench_vgg(rows)
    notes = [bench_pool(rows)]
    bench_photo(rows, memory)
    order = ("W1", "W2", "W3", "W4", "W5", "W6", "W7")
    rows.sort(key=lambda r: order.index(r.name[:2]))
    ok = print_table(rows, memory, notes)
    print("\nall targets met" if ok else "\nsome targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
