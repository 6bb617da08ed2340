"""Build times of the convcore pieces behind the "Why convolution" page (issue 13).

Run from the repository root::

    python benchmarks/bench_pages.py            # 1 BLAS thread (the default)
    python benchmarks/bench_pages.py --quick    # fewer rounds

Every row is the median of many calls, after one warm-up call; the exit status is 0 when
every target is met. The "loop" column builds the same matrix the textbook way, one row at
a time in Python (a window's kernel written into a zero row), and gives convcore's speed-up
over it. Then everything convcore computes for the page's seven sections at their default
settings, once each (the convcore share of the page's first run); the same with the page's
figures built by ``ui.figures_why``; and the page's first run itself, measured once in a
fresh AppTest session after ``app.py`` has run (target ≤ 1 s for each).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (noisier)")
    return parser.parse_args()


ARGS = _parse_args() if __name__ == "__main__" else argparse.Namespace(threads=1, quick=True)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import convcore  # noqa: E402


def median_time(fn, rounds: int) -> float:
    """Median seconds of ``rounds`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def loop_matrix(in_hw, kernel, padding):
    """The textbook build: for each output cell, a zero row with the kernel on its window."""
    h, w = in_hw
    kh, kw = kernel.shape
    out_h, out_w = h + 2 * padding - kh + 1, w + 2 * padding - kw + 1
    m = np.zeros((out_h * out_w, h * w))
    for i in range(out_h):
        for j in range(out_w):
            row = np.zeros((h + 2 * padding, w + 2 * padding))
            row[i:i + kh, j:j + kw] = kernel
            m[i * out_w + j] = row[padding:padding + h, padding:padding + w].ravel()
    return m


def page_first_run():
    """What convcore computes for the page's seven sections at their default settings."""
    rng = np.random.default_rng(0)
    # 1. dense -> convolution on a 6×6 image, Δ = 1.
    steps = convcore.dense_to_conv_steps(convcore.random_dense_weight((6, 6)), 1)
    # 2. the matrix of a 3×3 kernel on an 8×8 input, M @ x, one row, column and weight.
    x = rng.standard_normal((8, 8))
    k = steps[-1].kernel
    m = convcore.conv_matrix((8, 8), k, padding=1)
    np.abs(m @ x.ravel() - convcore.conv2d(x, k, padding=1).ravel()).max()
    convcore.matrix_row_window((8, 8), k.shape, 27, padding=1)
    convcore.matrix_column_outputs((8, 8), k.shape, 27, padding=1)
    convcore.weight_entries((8, 8), k.shape, (1, 1), padding=1)
    # 3. receptive field of a unit of a 5-layer stack on a 32×32 input.
    convcore.unit_input_region((32, 32), convcore.repeat_layer(5, 3, padding=1), (16, 16))
    # 4. equivariance on a 64×64 image with Sobel x, and a quarter-turn.
    photo = rng.uniform(0, 1, (64, 64))
    sobel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    convcore.equivariance_check(photo, sobel, 3, -2, padding=1)
    convcore.rotation_check(photo, sobel, 1)
    # 5. locally connected / tiled / convolutional on the 8×8 input, counts side by side.
    convcore.layer_comparison((8, 8), 1, 3, tile=2, padding=1)
    convcore.locally_connected2d(x, rng.standard_normal((8, 8, 3, 3)), padding=1)
    convcore.tiled_conv2d(x, rng.standard_normal((2, 2, 3, 3)), padding=1)
    # 6. Waldo: a 6×5 pattern in a 48×64 scene.
    pattern = np.tile([[1.0], [0.0]], (3, 5))
    scene = convcore.place_pattern(rng.uniform(0, 0.2, (48, 64)), pattern, 20, 30)
    convcore.find_pattern(scene, pattern)


def page_figures():
    """The page's figure builders (ui.figures_why) at default settings, with their numbers."""
    from ui import figures_why as FW
    from ui.controls import digit_pattern
    from ui.i18n import use_language

    with use_language("en"):  # outside a Streamlit run: say the language, no session
        _build_figures(FW, digit_pattern())


def _build_figures(FW, digit):
    rng = np.random.default_rng(0)
    step = convcore.constrain_dense_layer(convcore.random_dense_weight((6, 6)),
                                          translation_invariance=False)
    FW.dense_matrix_figure(FW.drawn_dense(step.matrix), step.kernel)
    kernel = np.array([[0.0, 1.0], [2.0, 3.0]])
    x = np.arange(16.0).reshape(4, 4)
    y = convcore.conv2d(x, kernel)
    t = convcore.conv_matrix_triplets((4, 4), kernel)
    row = convcore.matrix_row_window((4, 4), kernel.shape, 4)
    pick = FW.MatrixPick("row", 4, 5, tuple(int(c) for c in row.columns[row.on_input]))
    FW.matrix_product_figure(FW.drawn_matrix(t.rows, t.cols, t.values, t.shape), x.ravel(),
                             y.ravel(), pick)
    FW.grids_figure(x, np.zeros(x.shape, bool), (0, 0), kernel, y, window=(1, 1, 2, 2),
                    output_cells=[(1, 1)])
    layers = convcore.repeat_layer(3, 3, padding=1)
    region = convcore.unit_input_region((13, 13), layers, (6, 6))
    FW.receptive_field_figure(region.paths, region.box, (6, 6), (13, 13), 3)
    photo = rng.uniform(0, 1, (40, 40))
    sobel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    check = convcore.equivariance_check(photo, sobel, 3, -2, padding=1)
    FW.equivariance_figure(check.conv_of_shifted, check.shifted_conv, check.difference,
                           check.border)
    rot = convcore.rotation_check(photo, sobel, 1)
    FW.transform_figure(rot.conv_of_rotated, rot.rotated_conv, rot.difference, ("a", "b"))
    local, tiled, conv = (rng.standard_normal((8, 6, 3, 3)), rng.standard_normal((2, 2, 3, 3)),
                          rng.standard_normal((3, 3)))
    mosaics = [FW.weight_mosaic(w, (8, 6)) for w in (local, tiled, conv)]
    FW.weights_mosaic_figure(mosaics, ["a", "b", "c"], (3, 3), [(8, 6), (2, 2), (1, 1)])
    outs = [convcore.locally_connected2d(digit, local), convcore.tiled_conv2d(digit, tiled),
            convcore.conv2d(digit, conv)]
    FW.layer_outputs_figure(digit, outs, ["a", "b", "c"])
    pattern = np.tile([[1.0], [0.0]], (3, 4))[:5]
    scene = convcore.place_pattern(rng.uniform(0, 0.35, (24, 32)), pattern, 14, 20)
    match = convcore.find_pattern(scene, pattern)
    FW.waldo_figure(scene, match.template, match.response, (14, 20), match.peak)


def apptest_first_run() -> float:
    """Seconds of the page's first run in a fresh AppTest session (app.py already run)."""
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    app = AppTest.from_file(str(root / "app.py"), default_timeout=120).run()
    start = time.perf_counter()
    app.switch_page("app_pages/why_convolution.py").run()
    elapsed = time.perf_counter() - start
    assert not app.exception, [e.value for e in app.exception]
    return elapsed


def main() -> int:
    rounds = 30 if ARGS.quick else 200
    rng = np.random.default_rng(0)
    k3 = rng.standard_normal((3, 3))
    w4 = rng.standard_normal((2, 2, 3, 3))
    rows = [
        ("conv_matrix 28×28, 3×3 (valid)", lambda: convcore.conv_matrix((28, 28), k3),
         0.050, lambda: loop_matrix((28, 28), k3, 0)),
        ("conv_matrix 28×28, 3×3, padding 1", lambda: convcore.conv_matrix((28, 28), k3,
                                                                          padding=1),
         0.050, lambda: loop_matrix((28, 28), k3, 1)),
        ("conv_matrix_triplets 28×28, 3×3 (valid)",
         lambda: convcore.conv_matrix_triplets((28, 28), k3), 0.050, None),
        ("conv_matrix 2×28×28 → 2, 3×3, padding 1",
         lambda: convcore.conv_matrix((28, 28), w4, padding=1), 0.200, None),
        ("conv_matrix_triplets 224×224, 3×3, padding 1",
         lambda: convcore.conv_matrix_triplets((224, 224), k3, padding=1), 0.500, None),
    ]
    print(f"{'workload':<46}{'median':>10}{'target':>12}{'vs loop':>10}  result")
    print("-" * 86)
    all_ok = True
    for name, fn, target, loop in rows:
        t = median_time(fn, rounds)
        speedup = ""
        if loop is not None:
            np.testing.assert_array_equal(fn(), loop())  # the same matrix
            speedup = f"{median_time(loop, max(3, rounds // 20)) / t:,.0f}×"
        ok = t <= target
        all_ok &= ok
        print(f"{name:<46}{_fmt(t):>10}{'≤ ' + _fmt(target):>12}{speedup:>10}  "
              f"{'pass' if ok else 'FAIL'}")
    t = median_time(page_first_run, max(5, rounds // 10))
    ok = t <= 1.0
    all_ok &= ok
    print(f"{'page sections, convcore part, default settings':<46}{_fmt(t):>10}"
          f"{'≤ 1 s':>12}{'':>10}  {'pass' if ok else 'FAIL'}")
    t = median_time(page_figures, max(5, rounds // 10))
    ok = t <= 1.0
    all_ok &= ok
    print(f"{'page sections + figures, default settings':<46}{_fmt(t):>10}"
          f"{'≤ 1 s':>12}{'':>10}  {'pass' if ok else 'FAIL'}")
    t = apptest_first_run()  # once: a first run is measured once, in a fresh session
    ok = t <= 1.0
    all_ok &= ok
    print(f"{'AppTest: first run of the page (one run)':<46}{_fmt(t):>10}"
          f"{'≤ 1 s':>12}{'':>10}  {'pass' if ok else 'FAIL'}")
    print("\nall targets met" if all_ok else "\nSOME TARGETS MISSED")
    return 0 if all_ok else 1


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


if __name__ == "__main__":
    sys.exit(main())
