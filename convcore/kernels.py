"""Named preset kernels, and generators for Gaussian and box blurs.

Every kernel is a float64 2-D array ``(kh, kw)`` used by cross-correlation (PyTorch's
"convolution"), so a kernel reads the way it is written: ``sobel_x`` weighs the right column
positively and therefore answers "how much brighter is the right than the left", i.e. it
lights up on vertical edges. The arrays are read-only so a preset cannot be changed by
accident; take ``kernel.array.copy()`` to edit one.

    >>> get_kernel("d2l").array
    array([[0., 1.],
           [2., 3.]])
    >>> kernel_names()[:3]
    ('identity', 'edge', 'edge_transposed')
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass

import numpy as np

from convcore.shapes import as_tuple

__all__ = [
    "MAX_GENERATED_SIZE",
    "PRESETS",
    "Kernel",
    "box_kernel",
    "gaussian_kernel",
    "get_kernel",
    "kernel_names",
]

#: Largest side accepted by :func:`gaussian_kernel` and :func:`box_kernel`.
MAX_GENERATED_SIZE = 255


@dataclass(frozen=True, eq=False)
class Kernel:
    """A named kernel.

    Attributes
    ----------
    name : str
        Identifier used in code and in URLs (``"sobel_x"``).
    label : str
        Short name for display (``"Sobel x (vertical edges)"``).
    array : np.ndarray
        float64 ``(kh, kw)``, read-only.
    description : str
        One sentence: what the kernel detects or does.
    """

    name: str
    label: str
    array: np.ndarray
    description: str

    @property
    def shape(self) -> tuple[int, int]:
        """``(kh, kw)``."""
        return self.array.shape


def _frozen(values) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    array.flags.writeable = False
    return array


def _binomial_row(size: int) -> np.ndarray:
    """Row ``size - 1`` of Pascal's triangle: 1 2 1, 1 4 6 4 1, ..."""
    return np.array([math.comb(size - 1, k) for k in range(size)], dtype=np.float64)


def _binomial_blur(size: int) -> np.ndarray:
    row = _binomial_row(size)
    return np.outer(row, row) / row.sum() ** 2


_SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
_PREWITT_X = [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]

_PRESET_TABLE = (
    (
        "identity",
        "Identity",
        [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
        "Copies every pixel unchanged, a baseline to compare the others with.",
    ),
    (
        "edge",
        "Vertical edges [1, −1]",
        [[1, -1]],
        "The seeds' 1×2 horizontal difference: 1 where white turns black going right, "
        "−1 where black turns white, 0 elsewhere, so it finds vertical edges.",
    ),
    (
        "edge_transposed",
        "Horizontal edges [1, −1]ᵀ",
        [[1], [-1]],
        "The transposed edge kernel, a vertical difference that finds horizontal edges.",
    ),
    (
        "sobel_x",
        "Sobel x (vertical edges)",
        _SOBEL_X,
        "Smoothed left-to-right difference that responds to vertical edges.",
    ),
    (
        "sobel_y",
        "Sobel y (horizontal edges)",
        np.transpose(_SOBEL_X),
        "Smoothed top-to-bottom difference that responds to horizontal edges.",
    ),
    (
        "prewitt_x",
        "Prewitt x (vertical edges)",
        _PREWITT_X,
        "Left-to-right difference averaged over three rows, responding to vertical edges.",
    ),
    (
        "prewitt_y",
        "Prewitt y (horizontal edges)",
        np.transpose(_PREWITT_X),
        "Top-to-bottom difference averaged over three columns, responding to horizontal edges.",
    ),
    (
        "laplacian_4",
        "Laplacian (4-neighbour)",
        [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
        "Second derivative from the four direct neighbours, responding to edges in every "
        "direction and zero on flat areas and linear ramps.",
    ),
    (
        "laplacian_8",
        "Laplacian (8-neighbour)",
        [[1, 1, 1], [1, -8, 1], [1, 1, 1]],
        "Second derivative from all eight neighbours, responding to edges in every "
        "direction, diagonals included.",
    ),
    (
        "box_blur_3x3",
        "Box blur 3×3",
        np.full((3, 3), 1 / 9),
        "Replaces each pixel by the plain average of its 3×3 neighbourhood.",
    ),
    (
        "box_blur_5x5",
        "Box blur 5×5",
        np.full((5, 5), 1 / 25),
        "Replaces each pixel by the plain average of its 5×5 neighbourhood.",
    ),
    (
        "gaussian_blur_3x3",
        "Gaussian blur 3×3",
        _binomial_blur(3),
        "Weighted average favouring the centre (binomial 1-2-1 weights), a gentle blur "
        "without the box blur's blocky look.",
    ),
    (
        "gaussian_blur_5x5",
        "Gaussian blur 5×5",
        _binomial_blur(5),
        "Wider weighted average favouring the centre (binomial 1-4-6-4-1 weights).",
    ),
    (
        "sharpen",
        "Sharpen",
        [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
        "Adds the difference from the neighbours back to each pixel, boosting fine detail.",
    ),
    (
        "emboss",
        "Emboss",
        [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
        "Brighter where the brightness increases toward the bottom-right, darker where it "
        "increases toward the top-left (each pixel plus that change), so shapes look raised.",
    ),
    (
        "outline",
        "Outline",
        [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
        "Eight times each pixel minus the sum of its eight neighbours: zero on flat areas "
        "and even slopes, so outlines stand out on a dark ground.",
    ),
    (
        "d2l",
        "d2l example [[0, 1], [2, 3]]",
        [[0, 1], [2, 3]],
        "The seeds' 2×2 worked example: on the 3×3 input 0…8 it gives 19, 25, 37 and 43.",
    ),
)

#: Every preset by name, in display order.
PRESETS: dict[str, Kernel] = {
    name: Kernel(name, label, _frozen(values), description)
    for name, label, values, description in _PRESET_TABLE
}


def kernel_names() -> tuple[str, ...]:
    """Names of all presets, in display order."""
    return tuple(PRESETS)


def get_kernel(name: str) -> Kernel:
    """Return the preset called ``name``.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If there is no such preset; the message suggests the closest names.
    """
    if not isinstance(name, str):
        raise TypeError(f"a kernel name must be a string, not {type(name).__name__}")
    try:
        return PRESETS[name]
    except KeyError:
        close = difflib.get_close_matches(name, PRESETS, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(
            f"There is no preset kernel called {name!r}.{hint} Available: {', '.join(PRESETS)}."
        ) from None


def _check_generated_size(size, name: str = "size") -> tuple[int, int]:
    kh, kw = as_tuple(size, 2, name)
    if max(kh, kw) > MAX_GENERATED_SIZE:
        raise ValueError(f"{name} must be at most {MAX_GENERATED_SIZE}, got {kh}×{kw}")
    return kh, kw


def box_kernel(size: int | tuple[int, int]) -> np.ndarray:
    """A box blur: every weight ``1 / (kh·kw)``.

    Parameters
    ----------
    size : int or (int, int)
        Side, or ``(kh, kw)``; from 1 to :data:`MAX_GENERATED_SIZE`.

    Returns
    -------
    np.ndarray
        float64 ``(kh, kw)`` summing to 1.
    """
    kh, kw = _check_generated_size(size)
    return np.full((kh, kw), 1.0 / (kh * kw))


def gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    """A sampled, normalised 2-D Gaussian ``exp(−(y² + x²) / (2σ²))`` centred on the middle tap.

    Parameters
    ----------
    size : int
        Side of the square kernel: odd (so there is a centre pixel), 1 to
        :data:`MAX_GENERATED_SIZE`. ``size ≈ 6σ + 1`` keeps almost all of the bell.
    sigma : float
        Standard deviation in pixels, positive and finite.

    Returns
    -------
    np.ndarray
        float64 ``(size, size)``, symmetric, summing to 1.

    Examples
    --------
    >>> gaussian_kernel(3, 1.0).round(4)
    array([[0.0751, 0.1238, 0.0751],
           [0.1238, 0.2042, 0.1238],
           [0.0751, 0.1238, 0.0751]])
    """
    side, other_side = _check_generated_size(size)
    if side != other_side:
        raise ValueError(f"a Gaussian kernel is square: give one size, got {side}×{other_side}")
    if side % 2 == 0:
        raise ValueError(f"a Gaussian kernel needs an odd size (a centre pixel), got {side}")
    if isinstance(sigma, bool) or not isinstance(sigma, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"sigma must be a number, got {sigma!r}")
    sigma = float(sigma)
    if not math.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma must be a positive, finite number of pixels, got {sigma}")
    offsets = np.arange(side) - side // 2
    row = np.exp(-(offsets**2) / (2.0 * sigma**2))
    kernel = np.outer(row, row)
    return kernel / kernel.sum()
