"""ui.controls' pure helpers: typed grids, presets, patch previews (no Streamlit session)."""

from __future__ import annotations

import numpy as np
import pytest

from convcore.kernels import PRESETS
from ui import controls as C


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("0 1\n2 3", [[0, 1], [2, 3]], id="spaces-and-lines"),
    pytest.param("0, 1; 2, 3", [[0, 1], [2, 3]], id="commas-and-semicolons"),
    pytest.param("[[0, 1], [2, 3]]", [[0, 1], [2, 3]], id="pasted-nested-list"),
    pytest.param("1  −1", [[1, -1]], id="typographic-minus"),
    pytest.param("1/9 1/9\n1/9 1/9", [[1 / 9, 1 / 9], [1 / 9, 1 / 9]], id="fractions"),
    pytest.param("  .5 -2e1 \n\n 3. +4 ", [[0.5, -20], [3, 4]], id="number-forms-blank-lines"),
    pytest.param("7", [[7]], id="one-by-one"),
])
def test_parse_grid_reads_what_people_type(text, expected):
    np.testing.assert_array_equal(C.parse_grid(text), np.array(expected, dtype=float))


@pytest.mark.parametrize(("text", "message"), [
    pytest.param("1 a\n2 3", r'Row 1, entry 2 of the kernel is "a", which is not a number',
                 id="letter"),
    pytest.param("1 2\n3", "Row 2 of the kernel has 1 numbers but row 1 has 2", id="ragged"),
    pytest.param("   \n ", "The kernel is empty", id="empty"),
    pytest.param("1/0", r"divides by zero \(1/0\)", id="division-by-zero"),
    pytest.param("nan 1", '"nan", which is not a number', id="nan"),
    pytest.param("1e999", "too large", id="overflow"),
    pytest.param("1 2 3 4 5 6 7 8", "The kernel is 1×8; it can be at most 7×7", id="too-wide"),
])
def test_parse_grid_explains_what_to_fix(text, message):
    with pytest.raises(ValueError, match=message):
        C.parse_grid(text)


def test_parse_grid_limits_inputs_to_their_own_size():
    text = "\n".join(["0 " * 32] * 32)
    assert C.parse_grid(text, max_side=32, what="input").shape == (32, 32)
    with pytest.raises(ValueError, match="The input is 33×1; it can be at most 32×32"):
        C.parse_grid("\n".join(["0"] * 33), max_side=32, what="input")


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_kernel_round_trips_through_the_editor(name):
    kernel = PRESETS[name].array
    np.testing.assert_allclose(C.parse_grid(C.format_grid(kernel)), kernel, rtol=1e-6)


def test_format_grid_uses_ascii_minus_and_integers():
    assert C.format_grid([[1.0, -1.0], [0.5, 2.0]]) == "1  -1\n0.5  2"


def test_seed_inputs():
    np.testing.assert_array_equal(C.arange_grid(), [[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    edge = C.edge_image()
    assert edge.shape == (6, 8)
    np.testing.assert_array_equal(edge[0], [1, 1, 0, 0, 0, 0, 1, 1])
    assert (edge == edge[0]).all()


def test_random_grid_is_reproducible_and_in_range():
    a = C.random_grid(5, 6, -3, 4, seed=7)
    np.testing.assert_array_equal(a, C.random_grid(5, 6, -3, 4, seed=7))
    assert a.shape == (5, 6) and a.min() >= -3 and a.max() <= 4
    assert (a == np.round(a)).all()
    assert not np.array_equal(a, C.random_grid(5, 6, -3, 4, seed=8))


def test_checkerboard_and_digit():
    board = C.checkerboard(4, 2)
    np.testing.assert_array_equal(board, [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1],
                                          [0, 0, 1, 1]])
    digit = C.digit_pattern()
    assert digit.shape == (10, 8) and set(np.unique(digit)) == {0.0, 1.0}


def test_patch_preview_outlines_the_patch():
    gray = np.full((100, 200), 0.5)
    rgb = C.patch_preview(gray, 10, 20, 40, max_side=100)  # shrunk by 2
    assert rgb.shape == (50, 100, 3) and rgb.dtype == np.uint8
    orange = np.array([230, 159, 0])
    assert (rgb[5, 10:30] == orange).all()  # top edge of the patch
    assert (rgb[5:25, 10] == orange).all()  # left edge
    assert (rgb[15, 15] == 128).all()  # inside: the picture itself


def test_sample_images_are_offered_in_order():
    names = [p.name for p in C.sample_files()]
    present = [n for n in C.SAMPLE_ORDER if n in names]
    assert names[: len(present)] == present
    assert "house.png" in names
