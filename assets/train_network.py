"""Train the built-in networks and write their weights and printouts into assets/.

    python assets/train_network.py            # rewrites lenet_shapes*.npz / *.txt here
    python assets/train_network.py --out DIR  # or writes them to DIR

Deterministic on a CPU: one thread, ``torch.use_deterministic_algorithms(True)``, seeded
initial weights and example order (``convcore.lenet.LiveTrainer``), a seeded data set
(``convcore.datasets``). Rerunning it with the same PyTorch and NumPy gives the same numbers.
It takes about 12 s of CPU time for LeNet and 30 s for the GAP variant.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from convcore.lenet import VARIANTS, LiveTrainer, TrainingConfig

#: How each variant is trained: LeNet with the live trainer's defaults (Adam, 4e-3 falling
#: linearly to 2e-4 over 1,000 steps), the GAP variant at a constant 2e-3 (it learns slowly).
CONFIGS = {
    "lenet": TrainingConfig(variant="lenet", seed=0, threads=1),
    "gap": TrainingConfig(variant="gap", lr=2e-3, decay_steps=None, seed=0, threads=1),
}
#: Steps (batches of 64) each variant is trained for: LeNet 6.4 epochs, GAP 19.2.
STEPS = {"lenet": 1000, "gap": 3000}
FILES = {"lenet": "lenet_shapes", "gap": "lenet_shapes_gap"}


def train(variant: str, out: Path) -> None:
    trainer = LiveTrainer(CONFIGS[variant])
    snap = trainer.run(STEPS[variant])
    state = {key: value for key, value in trainer.state_dict().items()
             if not key.endswith("num_batches_tracked")}
    np.savez_compressed(out / f"{FILES[variant]}.npz", **state)
    (out / f"{FILES[variant]}.txt").write_text(str(trainer.model) + "\n", encoding="utf-8")
    assert str(trainer.model) == VARIANTS[variant]
    print(f"{variant}: {snap.step} steps ({snap.epoch:.1f} epochs) in {snap.seconds:.1f} s, "
          f"last 100 batches' loss {snap.losses[-100:].mean():.4f}, "
          f"test accuracy {snap.test_accuracy:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--variant", choices=[*VARIANTS, "all"], default="all")
    args = parser.parse_args()
    import torch

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    for variant in VARIANTS if args.variant == "all" else [args.variant]:
        train(variant, args.out)


if __name__ == "__main__":
    main()
