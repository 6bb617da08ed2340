"""convcore.gabor: the Gabor formula, the bank, and the normalised-correlation match."""

from __future__ import annotations

import math

import numpy as np
import pytest

from convcore.gabor import (
    gabor_bank,
    gabor_kernel,
    gabor_similarity,
    normalised,
    random_baseline,
)


def test_gabor_kernel_is_the_formula():
    k = gabor_kernel(7, theta=math.pi / 6, wavelength=4.0, phase=0.5, sigma=2.0, gamma=0.7)
    y, x = 1.0 - 3, 5.0 - 3  # row 1, column 5 of a 7×7 kernel centred at (3, 3)
    xr = x * math.cos(math.pi / 6) + y * math.sin(math.pi / 6)
    yr = -x * math.sin(math.pi / 6) + y * math.cos(math.pi / 6)
    expected = math.exp(-(xr ** 2 + 0.49 * yr ** 2) / 8) * math.cos(2 * math.pi * xr / 4 + 0.5)
    assert k[1, 5] == pytest.approx(expected, rel=1e-12)


def test_a_vertical_even_gabor_is_a_vertical_line_detector():
    k = gabor_kernel(5, theta=0.0, wavelength=8.0)
    # theta = 0: the wave runs along x, so every column is one value of the wave
    assert np.all(k[:, 2] > 0) and k[2, 2] == pytest.approx(1.0)
    np.testing.assert_allclose(k, k[::-1])
    np.testing.assert_allclose(k, k[:, ::-1])


def test_bank_size_and_params():
    bank = gabor_bank(size=5, orientations=4, wavelengths=(3.0, 6.0), phases=2)
    assert bank.kernels.shape == (16, 5, 5) and len(bank.params) == 16
    theta, wavelength, phase = bank.params[5]
    np.testing.assert_array_equal(bank.kernels[5], gabor_kernel(5, theta, wavelength, phase))


def test_a_bank_filter_matches_itself_whatever_its_brightness_and_contrast():
    bank = gabor_bank()
    kernels = np.stack([3 * bank.kernels[10] + 2, -bank.kernels[40]])
    match = gabor_similarity(kernels, bank)
    assert match.best[0] == 10
    np.testing.assert_allclose(match.scores, 1.0)
    # a negated filter is another phase of the same filter, so it is in the bank too
    assert bank.params[match.best[1]][:2] == bank.params[40][:2]


def test_random_kernels_score_below_gabor_like_ones():
    bank = gabor_bank()
    chance = random_baseline(bank, n=500)
    assert 0.3 < chance < 0.9
    noisy = bank.kernels[::7] + np.random.default_rng(0).normal(0, 0.05, (14, 5, 5))
    assert gabor_similarity(noisy, bank).mean_score > chance


def test_normalised_flat_kernel_is_zero():
    out = normalised(np.ones((1, 3, 3)))
    np.testing.assert_array_equal(out, 0)


@pytest.mark.parametrize(("call", "message"), [
    pytest.param(lambda: gabor_kernel(0, 0, 4), "size", id="size"),
    pytest.param(lambda: gabor_kernel(5, 0, 0), "wavelength", id="wavelength"),
    pytest.param(lambda: gabor_bank(orientations=0), "orientations", id="orientations"),
    pytest.param(lambda: gabor_similarity(np.zeros((2, 3, 3)), gabor_bank(size=5)),
                 r"3×3 but the bank's filters are 5×5", id="size-mismatch"),
    pytest.param(lambda: normalised(np.zeros((3, 3))), r"\(K, kh, kw\)", id="rank"),
])
def test_gabor_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
