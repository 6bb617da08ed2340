"""The built-in network's data: outline shapes drawn by a seeded generator, no download.

Five classes — a line, a cross, a circle, a triangle, a square — each drawn as a stroke at a
random position, size, rotation, thickness and brightness, on a black background with
Gaussian noise. Lines and crosses differ in how many orientations meet; circles, triangles
and squares in curvature and corner angles; so the first layer has to find oriented edges
and the second their combinations, which makes readable feature maps.

Everything is computed from ``numpy.random.default_rng(seed)``: the same arguments give the
same images, on every machine.

    >>> images, labels = make_shapes(4, seed=0)
    >>> images.shape, images.dtype, labels.tolist()
    ((4, 1, 28, 28), dtype('float32'), [2, 0, 1, 3])
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = [
    "CLASS_NAMES",
    "IMAGE_SIZE",
    "TEST_SEED",
    "TEST_SIZE",
    "TRAIN_SEED",
    "TRAIN_SIZE",
    "Scene",
    "draw_shape",
    "make_scene",
    "make_shapes",
    "shapes_dataset",
]

CLASS_NAMES = ("line", "cross", "circle", "triangle", "square")
#: Height and width of one example (LeNet's 28×28).
IMAGE_SIZE = 28
TRAIN_SEED, TRAIN_SIZE = 0, 10_000
TEST_SEED, TEST_SIZE = 1, 2_000
#: Standard deviation of the Gaussian pixel noise.
NOISE_STD = 0.2
#: Most images one call may make (a 20 000 × 28 × 28 float32 set is 63 MB).
MAX_IMAGES = 20_000


def _segment_distance(py: np.ndarray, px: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Distance from every pixel centre to the nearest of ``segments`` ``(k, 2, 2)`` (y, x)."""
    best = np.full(py.shape, np.inf)
    for (y0, x0), (y1, x1) in segments:
        dy, dx = y1 - y0, x1 - x0
        length2 = dy * dy + dx * dx
        t = np.clip(((py - y0) * dy + (px - x0) * dx) / length2, 0.0, 1.0)
        np.minimum(best, np.hypot(py - (y0 + t * dy), px - (x0 + t * dx)), out=best)
    return best


def _polygon(cy: float, cx: float, radius: float, angle: float, corners: int) -> np.ndarray:
    """The ``corners`` sides of a regular polygon with circumradius ``radius``, as segments."""
    turns = angle + 2 * math.pi * np.arange(corners + 1) / corners
    ys, xs = cy + radius * np.sin(turns), cx + radius * np.cos(turns)
    points = np.stack([ys, xs], axis=1)
    return np.stack([points[:-1], points[1:]], axis=1)


def _bar(cy: float, cx: float, half: float, angle: float) -> np.ndarray:
    dy, dx = half * math.sin(angle), half * math.cos(angle)
    return np.array([[[cy - dy, cx - dx], [cy + dy, cx + dx]]])


def draw_shape(label: int, size: int, cy: float, cx: float, radius: float, angle: float,
               thickness: float, brightness: float = 1.0) -> np.ndarray:
    """One noiseless stroke drawing, anti-aliased.

    Parameters
    ----------
    label : int
        Index into :data:`CLASS_NAMES`.
    size : int or (int, int)
        Image height and width.
    cy, cx : float
        Centre, in pixels.
    radius : float
        Half the line's length, the arm of the cross, the circle's radius, the polygons'
        circumradius.
    angle : float
        Rotation in radians.
    thickness : float
        Stroke width in pixels.
    brightness : float
        Value of the stroke's core.

    Returns
    -------
    np.ndarray
        ``(H, W)`` float64 in ``[0, brightness]``.
    """
    h, w = (size, size) if isinstance(size, int) else size
    py, px = np.mgrid[0:h, 0:w].astype(float)
    name = CLASS_NAMES[label]
    if name == "circle":
        distance = np.abs(np.hypot(py - cy, px - cx) - radius)
    else:
        if name == "line":
            segments = _bar(cy, cx, radius, angle)
        elif name == "cross":
            segments = np.concatenate([_bar(cy, cx, radius, angle),
                                       _bar(cy, cx, radius, angle + math.pi / 2)])
        else:
            segments = _polygon(cy, cx, radius, angle, 3 if name == "triangle" else 4)
        distance = _segment_distance(py, px, segments)
    # full value within half the stroke width, fading to 0 over one more pixel
    return brightness * np.clip(thickness / 2 + 0.5 - distance, 0.0, 1.0)


def _random_shape(rng: np.random.Generator, label: int, size: int) -> np.ndarray:
    radius = rng.uniform(4.0, 11.0)
    margin = radius + 1.5
    cy, cx = rng.uniform(margin, size - 1 - margin, size=2)
    angle = rng.uniform(0.0, 2 * math.pi)
    thickness = rng.uniform(1.2, 2.4)
    brightness = rng.uniform(0.4, 1.0)
    return draw_shape(label, size, cy, cx, radius, angle, thickness, brightness)


def _check_count(n, what: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 0 < n <= MAX_IMAGES:
        raise ValueError(f"{what} must be an integer from 1 to {MAX_IMAGES:,}, not {n!r}")
    return int(n)


def make_shapes(n: int, seed: int = 0, size: int = IMAGE_SIZE, noise: float = NOISE_STD
                ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random shape images and their labels.

    Parameters
    ----------
    n : int
        Number of images (at most 20 000).
    seed : int
        Seed of ``numpy.random.default_rng``: equal seeds give equal sets.
    size : int
        Height and width, at least 28 (the shapes are up to 24 pixels across).
    noise : float
        Standard deviation of the Gaussian noise added to every pixel (values are then
        clipped to [0, 1]).

    Returns
    -------
    images : np.ndarray
        ``(n, 1, size, size)`` float32 in [0, 1].
    labels : np.ndarray
        ``(n,)`` int64, indices into :data:`CLASS_NAMES`; balanced up to rounding, in random
        order.
    """
    n = _check_count(n)
    if isinstance(size, bool) or not isinstance(size, int) or not 28 <= size <= 256:
        raise ValueError(f"size must be an integer from 28 to 256, not {size!r}")
    if not (isinstance(noise, int | float) and 0 <= noise <= 1):
        raise ValueError(f"noise must be a number from 0 to 1, not {noise!r}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(CLASS_NAMES)).astype(np.int64)
    images = np.empty((n, 1, size, size), dtype=np.float32)
    for k, label in enumerate(labels):
        clean = _random_shape(rng, int(label), size)
        images[k, 0] = np.clip(clean + rng.normal(0.0, noise, clean.shape), 0.0, 1.0)
    return images, labels


def shapes_dataset(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """The built-in network's training set (10 000 images, seed 0) or test set (2 000, seed 1).

    Returns
    -------
    images : np.ndarray, (n, 1, 28, 28) float32
    labels : np.ndarray, (n,) int64
    """
    if split == "train":
        return make_shapes(TRAIN_SIZE, TRAIN_SEED)
    if split == "test":
        return make_shapes(TEST_SIZE, TEST_SEED)
    raise ValueError(f"split must be 'train' or 'test', not {split!r}")


class Scene(NamedTuple):
    """A larger image holding several shapes, for running a network beyond its input size.

    Attributes
    ----------
    image : np.ndarray
        ``(1, H, W)`` float32 in [0, 1].
    labels : np.ndarray
        ``(H, W)`` int64: the class of the stroke each pixel belongs to, −1 on background.
    shapes : tuple of (int, int, int)
        ``(label, centre row, centre column)`` of every shape.
    """

    image: np.ndarray
    labels: np.ndarray
    shapes: tuple[tuple[int, int, int], ...]


def make_scene(height: int = 56, width: int = 84, seed: int = 0, noise: float = NOISE_STD
               ) -> Scene:
    """Shapes on a grid of 28×28 cells, one per cell, each cell's class drawn at random.

    Parameters
    ----------
    height, width : int
        Multiples of 28, each at most 280.
    seed : int
    noise : float

    Returns
    -------
    Scene
    """
    for name, value in (("height", height), ("width", width)):
        if not isinstance(value, int) or value % IMAGE_SIZE or not 0 < value <= 280:
            raise ValueError(f"{name} must be a multiple of 28 from 28 to 280, not {value!r}")
    rng = np.random.default_rng(seed)
    clean = np.zeros((height, width))
    labels = np.full((height, width), -1, dtype=np.int64)
    shapes = []
    for top in range(0, height, IMAGE_SIZE):
        for left in range(0, width, IMAGE_SIZE):
            label = int(rng.integers(len(CLASS_NAMES)))
            cell = _random_shape(rng, label, IMAGE_SIZE)
            window = (slice(top, top + IMAGE_SIZE), slice(left, left + IMAGE_SIZE))
            clean[window] = cell
            labels[window][cell > 0.3] = label
            rows, cols = np.nonzero(cell)
            shapes.append((label, top + int(rows.mean()), left + int(cols.mean())))
    image = np.clip(clean + rng.normal(0.0, noise, clean.shape), 0.0, 1.0)
    return Scene(image[None].astype(np.float32), labels, tuple(shapes))
