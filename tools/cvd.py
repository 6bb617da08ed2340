"""Colour-vision deficiency: simulate protanopia, deuteranopia and tritanopia on pictures,
and measure how far apart two colours stay (CIE ΔE*ab, CIE 1976) under each.

Used by ``tests/ui/test_colour_vision.py`` (the app's key colour pairs) and from the command
line on the browser tests' screenshots::

    python -m tools.cvd screenshots/tmp/presenter/*.png      # writes <name>.<kind>.png beside

Simulation: Machado, Oliveira & Fernandes (2009), severity 1.0 (full dichromacy), applied to
linear RGB — the matrices most colour-blindness simulators use for the three dichromacies.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

#: Machado et al. (2009), severity 1.0, linear RGB → linear RGB.
MATRICES: dict[str, np.ndarray] = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
KINDS = tuple(MATRICES)


def _to_linear(srgb: np.ndarray) -> np.ndarray:
    c = srgb / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _to_srgb(linear: np.ndarray) -> np.ndarray:
    c = np.clip(linear, 0.0, 1.0)
    s = np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)
    return s * 255.0


def simulate(rgb, kind: str | None) -> np.ndarray:
    """``rgb`` as a viewer with ``kind`` dichromacy sees it (``None``: unchanged).

    Parameters
    ----------
    rgb : array_like, (..., 3)
        sRGB values 0–255 (uint8 or float).
    kind : {"protanopia", "deuteranopia", "tritanopia"} or None

    Returns
    -------
    np.ndarray
        float64 ``(..., 3)`` sRGB values 0–255.
    """
    arr = np.asarray(rgb, dtype=np.float64)
    if arr.shape[-1] != 3:
        raise ValueError(f"rgb must end in 3 channels, got shape {arr.shape}")
    if kind is None:
        return arr.copy()
    if kind not in MATRICES:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    return _to_srgb(_to_linear(arr) @ MATRICES[kind].T)


def hex_rgb(color: str) -> np.ndarray:
    """``"#d55e00"`` → ``[213, 94, 0]``."""
    c = color.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"colour must be #rrggbb, got {color!r}")
    return np.array([int(c[k:k + 2], 16) for k in (0, 2, 4)], dtype=np.float64)


def lab(rgb) -> np.ndarray:
    """sRGB 0–255 ``(..., 3)`` → CIE L*a*b* (D65)."""
    lin = _to_linear(np.asarray(rgb, dtype=np.float64))
    m = np.array([[0.4124564, 0.3575761, 0.1804375],
                  [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def delta_e(color_a: str, color_b: str, kind: str | None = None) -> float:
    """CIE76 ΔE*ab between two ``#rrggbb`` colours as seen with ``kind`` (None: normal)."""
    a, b = (lab(simulate(hex_rgb(c), kind)) for c in (color_a, color_b))
    return float(np.linalg.norm(a - b))


def simulate_file(path: Path) -> list[Path]:
    """Write ``<stem>.<kind>.png`` beside ``path`` for each dichromacy; returns the paths."""
    from PIL import Image

    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"))
    out = []
    for kind in KINDS:
        target = path.with_name(f"{path.stem}.{kind}.png")
        Image.fromarray(np.rint(simulate(rgb, kind)).astype(np.uint8)).save(target)
        out.append(target)
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for name in argv:
        path = Path(name)
        if any(path.stem.endswith(f".{k}") for k in KINDS):
            continue
        for made in simulate_file(path):
            print(made)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
