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


def test_every_preset_kernel_has_its_convcore_words_marked_for_translation():
    """KERNEL_TEXTS repeats convcore's label and description (English msgids), so a new or
    reworded kernel in convcore fails here until its words are marked and translated."""
    from convcore.kernels import get_kernel, kernel_names
    from ui import controls

    assert set(controls.KERNEL_TEXTS) == set(kernel_names())
    for name in kernel_names():
        kernel = get_kernel(name)
        assert controls.KERNEL_TEXTS[name] == (kernel.label, kernel.description), name


def test_kernel_words_in_chinese_and_the_d2l_caption_without_its_outputs():
    from ui import controls
    from ui.i18n import use_language

    assert "19, 25, 37 and 43" in controls.kernel_description("d2l")
    assert not any(n in controls.kernel_description("d2l", with_outputs=False)
                   for n in ("19", "25", "37", "43"))
    with use_language("zh"):
        assert controls.kernel_label("sobel_x") == "Sobel x（竖直边缘）"
        assert controls.kernel_label("custom") == "自定义（编辑数值）"
        assert "卷积核" in controls.kernel_description("edge_transposed")


@pytest.mark.parametrize(("name", "weights", "preset", "grid"), [
    pytest.param("sobel_x", None, "sobel_x", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], id="preset"),
    pytest.param("custom", ((1.0, -2.0),), "custom", [[1, -2]], id="custom-weights"),
    pytest.param("no_such_kernel", ((0.5,),), "custom", [[0.5]], id="unknown-name-weights"),
])
def test_kernel_state_values_select_a_preset_or_typed_weights(name, weights, preset, grid):
    from ui import controls

    values = controls.kernel_state_values("k", name, weights)
    assert values["k_preset"] == preset
    np.testing.assert_array_equal(values["k_valid"], grid)
    np.testing.assert_array_equal(controls.parse_grid(values["k_text"]), grid)


def test_parse_grid_messages_speak_chinese():
    from ui import controls
    from ui.i18n import use_language

    with use_language("zh"), pytest.raises(ValueError, match="卷积核第 2 行第 2 个数是 \"x\""):
        controls.parse_grid("0 1\n2 x")
