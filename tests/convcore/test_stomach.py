"""The stomach s(t) = ∫ f(x) g(t − x) dx: closed form against the numerical integral, the
discrete sum against np.convolve and conv1d, and the animation frames against their
definition."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convcore import conv1d
from convcore.stomach import (
    DEFAULT_MEALS,
    Digestion,
    Meal,
    meal_intake,
    meals_on_the_hour,
    stomach_closed_form,
    stomach_frames,
    stomach_hourly,
    stomach_hourly_terms,
    stomach_integral,
    time_grid,
)

meals_strategy = st.lists(
    st.builds(Meal, time=st.floats(0, 22, allow_nan=False),
              amount=st.floats(0, 3, allow_nan=False),
              duration=st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.7])),
    min_size=1, max_size=4)


@settings(max_examples=40, deadline=None)
@given(meals_strategy, st.floats(0.3, 8.0), st.lists(st.floats(0, 24), min_size=1, max_size=6))
def test_closed_form_equals_numerical_integral(meals, half_life, times):
    np.testing.assert_allclose(stomach_integral(meals, half_life, times),
                               stomach_closed_form(meals, times, half_life), rtol=0, atol=1e-6)


def test_closed_form_on_the_notes_day_and_at_breakpoints():
    meals = [Meal(7.5, 1.0, 0.5), Meal(12.5, 1.5), Meal(19.0, 2.0, 1.0)]
    times = np.concatenate([time_grid(24, 10), [7.75, 8.0, 19.5, 20.0]])
    np.testing.assert_allclose(stomach_integral(meals, Digestion.exponential(2.5), times),
                               stomach_closed_form(meals, times, 2.5), rtol=0, atol=1e-6)


SPIKE_CASES = [
    pytest.param(Meal(8, 1.0), 2.0, [7.9, 8, 10, 12], [0, 1, 0.5, 0.25], id="halves"),
    pytest.param(Meal(0, 2.0), 1.0, [3], [0.25], id="three-half-lives"),
]


@pytest.mark.parametrize(("meal", "half_life", "times", "expected"), SPIKE_CASES)
def test_spike_meal_halves_every_half_life(meal, half_life, times, expected):
    np.testing.assert_allclose(stomach_closed_form([meal], times, half_life), expected,
                               atol=1e-15)


def test_box_meal_with_linear_tabulated_curve_matches_hand_integral():
    """g(a) = 1 − a/4 on [0, 4]; a box of 2 over [1, 2] seen at t = 3: rate 2 times
    ∫₁² (1 − (3 − x)/4) dx = 1 − (2² − 1²)/8 = 5/8."""
    g = Digestion.tabulated([0, 4], [1, 0])
    assert stomach_integral([Meal(1, 2.0, 1.0)], g, [3.0])[0] == pytest.approx(2 * 5 / 8,
                                                                               abs=1e-12)


def test_tabulated_curve_with_a_kink_is_integrated_to_1e6():
    """A kinked curve (1 → 0.5 in one hour, then → 0 in three): exact by pieces."""
    g = Digestion.tabulated([0, 1, 4], [1, 0.5, 0])
    # box of 1 over [0, 2], t = 2: ages run from 0 to 2; ∫₀² g(a) da = 0.75 + (0.5 + 1/3)/2
    exact = 0.75 + (0.5 + 0.5 * 2 / 3) / 2
    assert stomach_integral([Meal(0, 2.0, 2.0)], g, [2.0])[0] == pytest.approx(exact,
                                                                               abs=1e-6)


# --------------------------------------------------------------------------- discrete


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 5), min_size=1, max_size=30), st.floats(0.2, 10))
def test_hourly_sum_equals_np_convolve(amounts, half_life):
    g = Digestion.exponential(half_life)(np.arange(len(amounts)))
    expected = np.convolve(amounts, g)[:len(amounts)]
    np.testing.assert_allclose(stomach_hourly(amounts, half_life), expected, rtol=1e-13,
                               atol=1e-13)
    np.testing.assert_allclose(stomach_hourly(amounts, g), expected, rtol=1e-13, atol=1e-13)


def test_hourly_sum_is_a_causal_cross_correlation_with_the_flipped_curve():
    """What conv1d (PyTorch's cross-correlation) needs to compute the stomach: g reversed,
    and len(g) − 1 cells of padding on the left."""
    amounts = np.zeros(24)
    amounts[[7, 12, 19]] = [1.0, 1.5, 2.0]
    g = Digestion.exponential(3)(np.arange(24.0))
    expected = stomach_hourly(amounts, g)
    ours = conv1d(amounts, g[::-1].copy(), padding=((23, 0),))
    theirs = F.conv1d(F.pad(torch.tensor(amounts)[None, None], (23, 0)),
                      torch.tensor(g[::-1].copy())[None, None])[0, 0].numpy()
    np.testing.assert_allclose(ours, expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(theirs, expected, rtol=1e-13, atol=1e-15)


def test_hourly_sum_of_meals_on_the_hour_is_the_continuous_stomach_at_the_hours():
    meals = [Meal(7, 1.0), Meal(12, 1.5), Meal(19, 2.0)]
    amounts = np.zeros(24)
    amounts[[7, 12, 19]] = [1.0, 1.5, 2.0]
    np.testing.assert_allclose(stomach_hourly(amounts, 2.5),
                               stomach_closed_form(meals, np.arange(24.0), 2.5), rtol=1e-14)


def test_hourly_hand_example():
    assert stomach_hourly([2, 0, 1], [1, 0.5, 0.25]).tolist() == [2, 1, 1.5]


# --------------------------------------------------------------------------- frames


def test_frames_for_a_day_at_10_minutes():
    frames = stomach_frames(DEFAULT_MEALS, 3.0)
    assert frames.x.shape == (145,) and frames.flipped.shape == frames.product.shape == (145,
                                                                                         145)
    assert frames.dx == pytest.approx(1 / 6)
    g = Digestion.exponential(3)
    for j in (0, 45, 90, 144):
        np.testing.assert_allclose(frames.flipped[j], g(frames.x[j] - frames.x), rtol=1e-14)
        # the flip: g's samples read backwards from t, zero in the future
        np.testing.assert_array_equal(frames.flipped[j, :j + 1], frames.curve[:j + 1][::-1])
        assert not frames.flipped[j, j + 1:].any()
    np.testing.assert_array_equal(frames.product, frames.intake * frames.flipped)
    np.testing.assert_allclose(frames.area, np.convolve(frames.intake, frames.curve)[:145]
                               * frames.dx, rtol=1e-12, atol=1e-12)
    # spikes on grid points: the Riemann sum is exact
    np.testing.assert_allclose(frames.area, frames.exact, rtol=1e-12, atol=1e-12)
    assert frames.area[44] == 0 and frames.area[45] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="read-only"):
        frames.area[0] = 1


def test_frames_with_box_meals_and_a_tabulated_curve_approach_the_integral():
    meals = [Meal(7, 1.0, 1.0), Meal(12, 1.5, 0.5)]
    g = Digestion.tabulated([0, 1, 3, 5], [1, 0.8, 0.3, 0])
    coarse = stomach_frames(meals, g)
    np.testing.assert_allclose(coarse.exact, stomach_integral(meals, g, coarse.x))
    fine = stomach_frames(meals, g, step_minutes=1)
    gap_coarse = np.abs(coarse.area - coarse.exact).max()
    gap_fine = np.abs(fine.area - fine.exact).max()
    assert gap_fine < gap_coarse / 5  # the grid's sum converges to the integral


@pytest.mark.parametrize("meals", [
    pytest.param([Meal(3.0, 2.0)], id="spike"),
    pytest.param([Meal(3.0, 2.0, 1.5), Meal(23.9, 1.0, 2.0)], id="boxes-one-past-midnight"),
])
def test_meal_intake_keeps_amounts_on_the_axis(meals):
    x = time_grid(24, 10)
    f = meal_intake(meals, x)
    assert f.sum() * (x[1] - x[0]) <= sum(m.amount for m in meals) + 1e-12
    if len(meals) == 1:
        assert f.sum() * (x[1] - x[0]) == pytest.approx(2.0)


@pytest.mark.parametrize(("call", "error", "match"), [
    pytest.param(lambda: Meal(-1), ValueError, "meal time", id="negative-time"),
    pytest.param(lambda: Meal(1, "a lot"), TypeError, "meal amount", id="amount-text"),
    pytest.param(lambda: Digestion.exponential(0), ValueError, "half_life", id="half-life"),
    pytest.param(lambda: Digestion.tabulated([1, 2], [1, 0]), ValueError, "start at 0",
                 id="table-start"),
    pytest.param(lambda: Digestion.tabulated([0, 1], [2, 0]), ValueError, "at most 1",
                 id="table-fraction"),
    pytest.param(lambda: time_grid(24, 7), ValueError, "divide", id="grid-step"),
    pytest.param(lambda: Digestion(), ValueError, "either exponential", id="no-curve"),
    pytest.param(lambda: stomach_frames([1, 2]), TypeError, "sequence of Meal", id="meals"),
    pytest.param(lambda: stomach_frames(digestion="fast"), TypeError, "half-life",
                 id="digestion"),
    pytest.param(lambda: meal_intake([], [0, 1, 3]), ValueError, "evenly spaced",
                 id="uneven-grid"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --------------------------------------------------------------------------- hourly meals


@pytest.mark.parametrize(("meals", "expected"), [
    pytest.param([Meal(7.5, 1.0), Meal(12.5, 2.0)], {8: 1.0, 13: 2.0}, id="half-past-up"),
    pytest.param([Meal(12.2, 1.5, 1.0), Meal(12.4, 0.5)], {12: 2.0}, id="two-in-one-hour"),
    pytest.param([Meal(23.6, 2.0), Meal(0.0, 1.0)], {0: 1.0}, id="beyond-the-day-left-out"),
])
def test_meals_on_the_hour(meals, expected):
    f = meals_on_the_hour(meals, 24)
    want = np.zeros(24)
    for hour, amount in expected.items():
        want[hour] = amount
    np.testing.assert_array_equal(f, want)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 3, allow_nan=False), min_size=1, max_size=30),
       st.floats(0.3, 8.0), st.data())
def test_hourly_terms_add_up_to_the_discrete_sum_and_torch(amounts, half_life, data):
    f = np.asarray(amounts)
    n = data.draw(st.integers(0, len(f) - 1))
    terms = stomach_hourly_terms(f, half_life, n)
    g = np.exp2(-np.arange(len(f)) / half_life)
    # PyTorch's conv1d is cross-correlation: the causal sum takes g reversed, K − 1 zeros left
    theirs = F.conv1d(F.pad(torch.tensor(f)[None, None], (len(f) - 1, 0)),
                      torch.tensor(g[::-1].copy())[None, None])[0, 0].numpy()
    assert sum(t.product for t in terms) == pytest.approx(theirs[n], abs=1e-12)
    assert sum(t.product for t in terms) == pytest.approx(stomach_hourly(f, half_life)[n],
                                                          abs=1e-12)
    assert [t.hour for t in terms] == [m for m in range(n + 1) if f[m] != 0]
    assert all(t.left == pytest.approx(g[n - t.hour]) for t in terms)


@pytest.mark.parametrize(("n", "message"), [(24, "from 0 to 23"), (-1, "from 0 to 23"),
                                            (2.5, "whole number")], ids=["past", "negative",
                                                                         "fraction"])
def test_hourly_terms_refuse_an_hour_off_the_day(n, message):
    with pytest.raises(ValueError, match=message):
        stomach_hourly_terms(np.ones(24), 3.0, n)
