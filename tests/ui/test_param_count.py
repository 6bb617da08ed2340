"""The home page's parameter counts (d2l 5.1: a dense layer on a photo vs a convolution)."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize(("n", "text"), [(4_000_004_000, "4 GB"), (40, "40 bytes"),
                                         (1_500_000, "1.5 MB"), (144_000_000_000, "144 GB")])
def test_human_bytes(n, text):
    assert human_bytes(n) == text
