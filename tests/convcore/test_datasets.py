"""convcore.datasets: the generated shapes are reproducible, balanced, in range, and each class
is the shape its name says."""

from __future__ import annotations

import math

import numpy as np
import pytest

from convcore.datasets import (
    CLASS_NAMES,
    draw_shape,
    make_scene,
    make_shapes,
    shapes_dataset,
)


def test_same_seed_same_images_other_seed_other_images():
    a, la = make_shapes(50, seed=7)
    b, lb = make_shapes(50, seed=7)
    c, _ = make_shapes(50, seed=8)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    assert not np.array_equal(a, c)


def test_shapes_dtype_range_and_balance():
    images, labels = make_shapes(103, seed=0)
    assert images.shape == (103, 1, 28, 28) and images.dtype == np.float32
    assert labels.dtype == np.int64
    assert images.min() >= 0 and images.max() <= 1
    counts = np.bincount(labels, minlength=len(CLASS_NAMES))
    assert counts.max() - counts.min() <= 1


def test_the_test_set_is_seed_1_and_differs_from_seed_0():
    test, labels = shapes_dataset("test")
    again, again_labels = make_shapes(2000, seed=1)
    np.testing.assert_array_equal(test, again)
    np.testing.assert_array_equal(labels, again_labels)
    other, _ = make_shapes(2000, seed=0)
    assert not np.any(np.all(test == other, axis=(1, 2, 3)))


def stroke(name: str, angle: float = 0.3) -> np.ndarray:
    return draw_shape(CLASS_NAMES.index(name), 40, 20.0, 20.0, 10.0, angle, 2.0) > 0.5


def test_circle_is_a_ring_at_its_radius():
    ring = stroke("circle")
    rows, cols = np.nonzero(ring)
    radii = np.hypot(rows - 20, cols - 20)
    assert np.all(np.abs(radii - 10) <= 1.5)
    assert not ring[20, 20]


@pytest.mark.parametrize(("name", "corners"), [("triangle", 3), ("square", 4)])
def test_polygons_have_their_corners_on_the_circumcircle(name, corners):
    drawing = stroke(name, angle=0.0)
    for k in range(corners):
        turn = 2 * math.pi * k / corners
        r, c = 20 + 10 * math.sin(turn), 20 + 10 * math.cos(turn)
        assert drawing[round(r), round(c)], (name, k)
    assert not drawing[20, 20]


def test_cross_is_two_perpendicular_lines():
    line = stroke("line", angle=0.0)
    cross = stroke("cross", angle=0.0)
    assert np.array_equal(line, line & cross)
    np.testing.assert_array_equal(cross, line | line.T)


def test_scene_labels_mark_the_strokes():
    scene = make_scene(56, 84, seed=1)
    assert scene.image.shape == (1, 56, 84) and len(scene.shapes) == 6
    for k, (label, row, col) in enumerate(scene.shapes):
        cell = scene.labels[28 * (k // 3):28 * (k // 3) + 28, 28 * (k % 3):28 * (k % 3) + 28]
        assert set(np.unique(cell)) == {-1, label}
        assert 28 * (k // 3) <= row < 28 * (k // 3) + 28
        assert 28 * (k % 3) <= col < 28 * (k % 3) + 28


@pytest.mark.parametrize(("call", "message"), [
    pytest.param(lambda: make_shapes(0), "from 1 to 20,000", id="no-images"),
    pytest.param(lambda: make_shapes(10**6), "from 1 to 20,000", id="too-many"),
    pytest.param(lambda: make_shapes(3, size=20), "from 28 to 256", id="too-small"),
    pytest.param(lambda: make_shapes(3, noise=-1), "noise", id="noise"),
    pytest.param(lambda: shapes_dataset("valid"), "'train' or 'test'", id="split"),
    pytest.param(lambda: make_scene(50, 56), "multiple of 28", id="scene-size"),
])
def test_dataset_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
