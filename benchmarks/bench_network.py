"""Whole networks (issue 16): the built-in LeNet, a user's 10 M-parameter model, live training.

Run from the repository root::

    python benchmarks/bench_network.py              # 1 thread for NumPy's BLAS and torch
    python benchmarks/bench_network.py --threads 2
    python benchmarks/bench_network.py --skip-training   # without the ~30 s training run

Targets (issue 16, "Done when"):

- N1  the built-in LeNet's forward pass through convcore, one 28×28 input: median ≤ 20 ms
      (PyTorch's time on the same input is shown for scale);
- N2  a user's model of up to 10 M parameters: ``torch.save``'d state-dict bytes →
      ``load_state_dict`` → ``from_pytorch`` → ``forward`` on one input ≤ 3 s (median of 3;
      the largest difference from PyTorch's output is printed); N2c the same in a fresh
      process, where ``import torch`` comes first;
- N2p the page's own path for a drawable 10 M-parameter model
      (``ui.model_upload.load_user_model``: read, parse, check the size, compare every
      layer with PyTorch) and its overview figure ≤ 3 s (median of 3);
- N4  the overview of the built-in LeNet for a new input — forward pass, columns, the
      Plotly figure and its JSON (what Streamlit sends) — median ≤ 1.5 s;
- N3  the live trainer, from random weights, reaches the shipped LeNet's test accuracy
      within 60 s of wall-clock time (training and test evaluations included).

It is a benchmark, not a test: it never runs under pytest. Exit status 0 when every target
is met.
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
    parser.add_argument("--skip-training", action="store_true", help="leave out N3")
    return parser.parse_args()


ARGS = _parse_args()
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)

import io  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from convcore.datasets import shapes_dataset  # noqa: E402
from convcore.lenet import LiveTrainer, TrainingConfig, builtin_network  # noqa: E402
from convcore.network import from_pytorch, load_state_dict, to_pytorch  # noqa: E402

torch.set_num_threads(ARGS.threads)


def median_time(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def bench_lenet() -> tuple[str, bool]:
    net = builtin_network()
    model = to_pytorch(net)  # the same weights in PyTorch, eval mode
    x = shapes_dataset("test")[0][0]
    xt = torch.from_numpy(x[None])
    for _ in range(5):
        net.forward(x)
        with torch.no_grad():
            model(xt)
    ours = median_time(lambda: net.forward(x), 200)
    with torch.no_grad():
        theirs = median_time(lambda: model(xt), 200)
    ok = ours <= 0.020
    return (f"N1 LeNet forward, one 28×28 input (all 12 activations)  convcore "
            f"{ours * 1e3:6.2f} ms   PyTorch {theirs * 1e3:6.2f} ms   target ≤ 20 ms   "
            f"{'pass' if ok else 'FAIL'}"), ok


def user_model() -> nn.Sequential:
    """A VGG-like model for 3×64×64 images with just under 10 M parameters."""
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.Conv2d(128, 128, 3, padding=1),
        nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(128, 256, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(), nn.Linear(256 * 8 * 8, 576), nn.ReLU(),
        nn.Linear(576, 10), nn.Softmax(dim=1))


def bench_user_model() -> tuple[str, bool]:
    torch.manual_seed(0)
    model = user_model().eval()
    params = sum(p.numel() for p in model.parameters())
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    data, text = buffer.getvalue(), str(model)
    x = np.random.default_rng(0).uniform(size=(3, 64, 64)).astype(np.float32)
    result = {}

    def load_and_run():
        net = from_pytorch(text, load_state_dict(data))
        result["out"] = net.forward(x)[-1]

    seconds = median_time(load_and_run, 3)
    with torch.no_grad():
        expected = model(torch.from_numpy(x[None]))[0].numpy()
    diff = float(np.abs(result["out"] - expected).max())
    ok = params <= 10_000_000 and seconds <= 3.0
    return (f"N2 user model, {params:,} parameters, {len(data) / 2**20:.1f} MB file: load + "
            f"parse + forward {seconds:.2f} s   target ≤ 3 s   max |convcore − PyTorch| "
            f"{diff:.1e}   {'pass' if ok else 'FAIL'}"), ok


def bench_user_model_cold() -> tuple[str, bool]:
    torch.manual_seed(0)
    model = user_model().eval()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    cold = cold_load_and_run(buffer.getvalue(), str(model))
    ok = cold <= 3.0
    return (f"N2c the same in a fresh process, `import torch` included (the page's first "
            f"upload): {cold:.2f} s   target ≤ 3 s   {'pass' if ok else 'FAIL'}"), ok


COLD = """
import sys, time
start = time.perf_counter()
import numpy as np
sys.path.insert(0, {root!r})
from convcore.network import from_pytorch, load_state_dict
data = open({data!r}, "rb").read()
text = open({text!r}, encoding="utf-8").read()
net = from_pytorch(text, load_state_dict(data))
net.forward(np.zeros((3, 64, 64), dtype=np.float32))
print(time.perf_counter() - start)
"""


def cold_load_and_run(data: bytes, text: str) -> float:
    """Seconds from a fresh interpreter to the first output: the first upload on the page
    pays for importing torch too."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        data_path, text_path = Path(tmp) / "model.pt", Path(tmp) / "model.txt"
        data_path.write_bytes(data)
        text_path.write_text(text, encoding="utf-8")
        code = COLD.format(root=str(Path(__file__).resolve().parents[1]), data=str(data_path),
                           text=str(text_path))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
    return float(out.stdout.strip())


def drawable_model() -> nn.Sequential:
    """A model the page can draw (≤ 64 maps per layer, vectors ≤ 4,096) with ~9.5 M
    parameters, most in its first dense layer."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(64 * 7 * 7, 3000), nn.ReLU(), nn.Linear(3000, 10))


def _overview_json(net, x) -> int:
    from convcore.units import run_network
    from ui import figures_network as FN

    run = run_network(net, x)
    columns = FN.overview_columns(run.input, run.activations,
                                  [layer.kind for layer in net.layer_list])
    names = [f"class {k}" for k in range(len(run.probabilities))]
    return len(FN.overview_figure(columns, run.probabilities, names).to_json())


def bench_page_user_model() -> tuple[str, bool]:
    from ui.model_upload import load_user_model

    torch.manual_seed(0)
    model = drawable_model().eval()
    params = sum(p.numel() for p in model.parameters())
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    data, text = buffer.getvalue(), str(model)
    result = {}

    def load_and_draw():
        user = load_user_model(text, data, "model.pt", 28)
        x = np.random.default_rng(1).uniform(size=user.input_shape).astype(np.float32)
        result["user"], result["json"] = user, _overview_json(user.network, x)

    seconds = median_time(load_and_draw, 3)
    ok = params <= 10_000_000 and seconds <= 3.0
    return (f"N2p the page's path, {params:,} parameters: load + check + PyTorch comparison + "
            f"overview {seconds:.2f} s   target ≤ 3 s   largest difference "
            f"{result['user'].largest_difference:.1e}, figure {result['json'] / 1e3:.0f} kB   "
            f"{'pass' if ok else 'FAIL'}"), ok


def bench_overview() -> tuple[str, bool]:
    net = builtin_network()
    images = shapes_dataset("test")[0]
    _overview_json(net, images[0])  # imports and first-use costs
    sizes = []
    counter = iter(range(1, 1000))
    seconds = median_time(lambda: sizes.append(_overview_json(net, images[next(counter)])), 7)
    ok = seconds <= 1.5
    return (f"N4 overview of the built-in LeNet for a new input (forward, figure, JSON): "
            f"{seconds * 1e3:.0f} ms, {max(sizes) / 1e3:.0f} kB   target ≤ 1.5 s   "
            f"{'pass' if ok else 'FAIL'}"), ok


def bench_training() -> tuple[str, bool]:
    target = float((builtin_network()(shapes_dataset("test")[0]).argmax(1)
                    == shapes_dataset("test")[1]).mean())
    start, cpu_start = time.perf_counter(), time.process_time()
    trainer = LiveTrainer(TrainingConfig(seed=0, eval_every=100))
    snap = trainer.run_until(target, max_seconds=120)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    ok = snap.test_accuracy >= target and wall <= 60
    return (f"N3 live training to the shipped accuracy {target:.4f}: reached "
            f"{snap.test_accuracy:.4f} at step {snap.step} (epoch {snap.epoch:.1f}) after "
            f"{wall:.1f} s wall clock ({cpu:.1f} s CPU)   target ≤ 60 s   "
            f"{'pass' if ok else 'FAIL'}"), ok


def main() -> int:
    print(f"threads: {ARGS.threads}, torch {torch.__version__}, numpy {np.__version__}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    results = [bench_lenet(), bench_user_model(), bench_user_model_cold(),
               bench_page_user_model(), bench_overview()]
    if not ARGS.skip_training:
        results.append(bench_training())
    for line, _ in results:
        print(line)
    ok = all(passed for _, passed in results)
    print("all targets met" if ok else "some targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
