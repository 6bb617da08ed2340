"""The home page's parameter counts (d2l 5.1: a dense layer on a photo vs a convolution)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.param_count import dense_vs_conv, human_bytes, power_of_ten


def test_the_seeds_example_one_megapixel_and_a_thousand_units():
    counts = dense_vs_conv(1000, 1000, 1, 1000, 3, 3, 1)
    assert counts.dense_weights == 10**9
    assert counts.dense_total == 10**9 + 1000
    assert counts.conv_weights == 9 and counts.conv_total == 10
    assert counts.dense_bytes == 4 * (10**9 + 1000)


@pytest.mark.parametrize(("photo", "hidden", "k", "out", "dense", "conv"), [
    pytest.param((3000, 4000, 3), 1000, 3, 64, 36_000_000_000, 3 * 64 * 9, id="12MP-rgb-64ch"),
    pytest.param((28, 28, 1), 128, 5, 32, 784 * 128, 32 * 25, id="mnist"),
    pytest.param((1, 1, 1), 1, 1, 1, 1, 1, id="smallest"),
])
def test_weights_are_products_of_the_sizes(photo, hidden, k, out, dense, conv):
    counts = dense_vs_conv(*photo, hidden, k, k, out)
    assert counts.dense_weights == dense and counts.conv_weights == conv
    assert counts.dense_biases == hidden and counts.conv_biases == out
    assert counts.ratio == pytest.approx((dense + hidden) / (conv + out))


@pytest.mark.parametrize(("args", "error"), [
    pytest.param((0, 10, 1, 10, 3, 3, 1), ValueError, id="zero-height"),
    pytest.param((10, 10, 1, -5, 3, 3, 1), ValueError, id="negative-hidden"),
    pytest.param((10.5, 10, 1, 10, 3, 3, 1), TypeError, id="fractional"),
    pytest.param((10, 10, True, 10, 3, 3, 1), TypeError, id="bool"),
])
def test_bad_sizes_are_refused(args, error):
    with pytest.raises(error):
        dense_vs_conv(*args)


@pytest.mark.parametrize(("n", "text"), [
    (10**9, "10⁹"), (3.6e10, "3.6 × 10¹⁰"), (999, "999"), (1000, "10³"), (1.0e8 + 1, "10⁸"),
])
def test_power_of_ten(n, text):
    assert power_of_ten(n) == text


@pytest.mark.parametrize(("hidden", "weights", "ratio"), [
    pytest.param(996, "10⁹", "10⁸", id="996-units-round-up-to-the-next-power"),
    pytest.param(1000, "10⁹", "10⁸", id="the-seeds-1000-units"),
    pytest.param(940, "9.4 × 10⁸", "9.4 × 10⁷", id="940-units"),
])
def test_the_home_page_figures_for_a_megapixel_photo(hidden, weights, ratio):
    counts = dense_vs_conv(1000, 1000, 1, hidden, 3, 3, 1)
    assert power_of_ten(counts.dense_weights) == weights
    assert power_of_ten(counts.ratio) == ratio


POWER_TEXT = re.compile(r"^(?:(\d\.\d) × )?10([⁰¹²³⁴⁵⁶⁷⁸⁹]+)$")
SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


@given(st.floats(min_value=1000, max_value=1e18))
def test_power_of_ten_prints_a_normalised_mantissa_within_rounding(n):
    """Mantissa in [1, 10) with one decimal (never "10.0 × 10⁸"), and the printed number is n
    rounded to that decimal."""
    match = POWER_TEXT.match(power_of_ten(n))
    assert match, power_of_ten(n)
    mantissa = float(match.group(1) or 1.0)
    exponent = int(match.group(2).translate(SUPERSCRIPT_DIGITS))
    assert 1.0 <= mantissa < 10.0
    assert mantissa != 1.0 or match.group(1) is None  # 1.0 × 10ᵉ is printed as 10ᵉ
    assert abs(mantissa * 10**exponent - n) <= 0.05 * 10**exponent * (1 + 1e-9)


@pytest.mark.parametrize(("n", "text"), [(4_000_004_000, "4 GB"), (40, "40 bytes"),
                                         (1_500_000, "1.5 MB"), (144_000_000_000, "144 GB")])
def test_human_bytes(n, text):
    assert human_bytes(n) == text
