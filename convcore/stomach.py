"""The stomach: convolution as ``s(t) = ∫ f(x) g(t − x) dx``, the story of the Chinese notes.

``f(x)`` is what you eat at time ``x`` (meals on a 24-hour axis), ``g(a)`` the fraction of a
meal still in your stomach ``a`` hours after eating it (zero for ``a < 0``: nothing is
digested before it is eaten), and ``s(t)`` what is in your stomach at time ``t``: every meal,
weighted by how much of it is left. Drawn against ``x``, the weight ``g(t − x)`` is ``g``
flipped and shifted to ``t``: that flip is the one in the definition of convolution.

Four ways to compute ``s``, which the tests hold equal:

* :func:`stomach_closed_form` — exact, for the exponential digestion curve;
* :func:`stomach_integral` — the integral on a fine grid (composite Simpson between the
  points where the integrand jumps or bends), for any digestion curve;
* :func:`stomach_frames` — the animation's data on a coarse grid (e.g. every 10 minutes):
  per ``t`` the flipped, shifted ``g(t − x)``, the product and its area (a Riemann sum,
  equal to ``np.convolve(f, g)·dx``);
* :func:`stomach_hourly` — the discrete sum for hourly meals, ``s[n] = Σ f[m]·g[n − m]``.

Units: times in hours, amounts in any unit (a "meal" of 1). A spike meal is eaten at once; a
box meal of ``duration`` hours is eaten at a steady rate ``amount / duration``.

    >>> meals = [Meal(8, 1.0)]
    >>> round(float(stomach_closed_form(meals, [8, 10], half_life=2)[1]), 6)
    0.5
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DEFAULT_MEALS",
    "Digestion",
    "HourlyTerm",
    "Meal",
    "StomachFrames",
    "meal_intake",
    "meals_on_the_hour",
    "stomach_closed_form",
    "stomach_frames",
    "stomach_hourly",
    "stomach_hourly_terms",
    "stomach_integral",
    "time_grid",
]


def _number(value, name: str, *, minimum: float | None = None, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    if positive and v <= 0:
        raise ValueError(f"{name} must be positive, got {v:g}")
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be at least {minimum:g}, got {v:g}")
    return v


@dataclass(frozen=True)
class Meal:
    """One meal on the day's axis.

    Attributes
    ----------
    time : float
        When eating starts, in hours (0 ≤ time, e.g. 12.5 for half past noon).
    amount : float
        How much is eaten in total (≥ 0).
    duration : float
        0 for a spike (eaten at once); otherwise the hours it takes, eaten at the steady
        rate ``amount / duration`` (a box-shaped bump).
    """

    time: float
    amount: float = 1.0
    duration: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "time", _number(self.time, "meal time", minimum=0.0))
        object.__setattr__(self, "amount", _number(self.amount, "meal amount", minimum=0.0))
        object.__setattr__(self, "duration",
                           _number(self.duration, "meal duration", minimum=0.0))

    @property
    def end(self) -> float:
        """When eating stops (``time`` for a spike)."""
        return self.time + self.duration


#: Breakfast, lunch and dinner as spikes (the notes' picture).
DEFAULT_MEALS = (Meal(7.5, 1.0), Meal(12.5, 1.5), Meal(19.0, 2.0))


def _meals(meals) -> tuple[Meal, ...]:
    if isinstance(meals, Meal):
        meals = [meals]
    try:
        items = tuple(meals)
    except TypeError:
        raise TypeError(f"meals must be a sequence of Meal, not {meals!r}") from None
    for m in items:
        if not isinstance(m, Meal):
            raise TypeError(f"meals must be a sequence of Meal, got {m!r}")
    return items


@dataclass(frozen=True)
class Digestion:
    """The digestion curve ``g(a)``: the fraction of a meal left ``a`` hours after eating.

    Build one with :meth:`exponential` or :meth:`tabulated`; call it on ages.

    Attributes
    ----------
    half_life : float or None
        Hours for half a meal to go (the exponential curve ``g(a) = 2^(−a / half_life)``).
    hours, fractions : tuple of float
        The tabulated curve: ``g`` is linear between the points, 0 before 0 and after the
        last point.
    """

    half_life: float | None = None
    hours: tuple[float, ...] = ()
    fractions: tuple[float, ...] = ()

    def __post_init__(self):
        if (self.half_life is None) == (not self.hours):
            raise ValueError("a digestion curve is either exponential (half_life) or "
                             "tabulated (hours and fractions): use Digestion.exponential or "
                             "Digestion.tabulated")

    @classmethod
    def exponential(cls, half_life: float) -> Digestion:
        """``g(a) = 2^(−a / half_life)`` for ``a ≥ 0``."""
        return cls(half_life=_number(half_life, "half_life", positive=True))

    @classmethod
    def tabulated(cls, hours: Sequence[float], fractions: Sequence[float]) -> Digestion:
        """A hand-drawn curve: ``fractions[i]`` left ``hours[i]`` hours after eating.

        ``hours`` start at 0 and increase; ``fractions`` are between 0 and 1.
        """
        hs = tuple(_number(h, "digestion hours") for h in hours)
        fs = tuple(_number(f, "digestion fractions", minimum=0.0) for f in fractions)
        if len(hs) != len(fs) or len(hs) < 2:
            raise ValueError(f"a tabulated digestion curve needs as many hours as fractions, "
                             f"at least 2; got {len(hs)} hours and {len(fs)} fractions")
        if hs[0] != 0 or any(b <= a for a, b in itertools.pairwise(hs)):
            raise ValueError(f"digestion hours must start at 0 and increase, got {hs}")
        if max(fs) > 1:
            raise ValueError(f"digestion fractions must be at most 1, got {max(fs):g}")
        return cls(hours=hs, fractions=fs)

    @property
    def is_exponential(self) -> bool:
        return self.half_life is not None

    @property
    def kinks(self) -> tuple[float, ...]:
        """Ages where ``g`` jumps or bends (0, and the table's points)."""
        return self.hours if not self.is_exponential else (0.0,)

    def __call__(self, age) -> np.ndarray:
        """``g(age)``, elementwise; 0 for negative ages."""
        a = np.asarray(age, dtype=np.float64)
        if self.is_exponential:
            return np.where(a >= 0, np.exp2(-np.maximum(a, 0.0) / self.half_life), 0.0)
        inside = (a >= 0) & (a <= self.hours[-1])
        return np.where(inside, np.interp(a, self.hours, self.fractions), 0.0)


def _digestion(digestion) -> Digestion:
    if isinstance(digestion, Digestion):
        return digestion
    if isinstance(digestion, numbers.Real) and not isinstance(digestion, bool):
        return Digestion.exponential(digestion)
    raise TypeError(f"digestion must be a Digestion or a half-life in hours, not {digestion!r}")


def time_grid(hours: float = 24.0, step_minutes: float = 10.0) -> np.ndarray:
    """``0, dt, 2·dt, …, hours`` in hours (both ends included): 145 points for a day at
    10-minute resolution.
    """
    h = _number(hours, "hours", positive=True)
    dt = _number(step_minutes, "step_minutes", positive=True) / 60
    steps = h / dt
    if abs(steps - round(steps)) > 1e-9:
        raise ValueError(f"the step ({step_minutes:g} min) must divide {h:g} hours evenly")
    return np.arange(round(steps) + 1) * dt


def _grid_step(x: np.ndarray) -> float:
    if x.ndim != 1 or len(x) < 2:
        raise ValueError(f"the time grid must be 1-D with at least 2 points, got shape {x.shape}")
    dx = np.diff(x)
    if not np.allclose(dx, dx[0], rtol=1e-9, atol=1e-12) or dx[0] <= 0:
        raise ValueError("the time grid must be evenly spaced and increasing")
    return float(dx[0])


def meal_intake(meals, x) -> np.ndarray:
    """``f(x)`` on an even grid: the eating rate (amount per hour) at each grid point.

    A spike meal becomes ``amount / dx`` on the grid point nearest its time (so its area
    ``Σ f·dx`` is its amount); a box meal is ``amount / duration`` on the grid points in
    ``[time, time + duration)`` (at least one point). Meals, or parts of them, beyond the
    grid are left out.

    Parameters
    ----------
    meals : sequence of Meal
    x : array_like, shape (X,)
        Evenly spaced times in hours.

    Returns
    -------
    ndarray, shape (X,)
    """
    xs = np.asarray(x, dtype=np.float64)
    dx = _grid_step(xs)
    f = np.zeros_like(xs)
    for meal in _meals(meals):
        first = round((meal.time - xs[0]) / dx)
        if meal.duration == 0:
            if 0 <= first < len(xs):
                f[first] += meal.amount / dx
            continue
        last = max(first + 1, round((meal.end - xs[0]) / dx))
        lo, hi = max(first, 0), min(last, len(xs))
        f[lo:hi] += meal.amount / (dx * (last - first))
    return f


# --------------------------------------------------------------------------- s(t)


def stomach_closed_form(meals, t, half_life: float) -> np.ndarray:
    """``s(t)`` exactly, for the exponential digestion curve ``g(a) = 2^(−a / h)``.

    Spike of ``A`` at ``τ``: ``A·2^(−(t − τ)/h)`` for ``t ≥ τ``. Box of ``A`` over
    ``[τ, τ + D]``: ``(A / D)·(h / ln 2)·(2^(−(t − e)/h) − 2^(−(t − τ)/h))`` with
    ``e = min(t, τ + D)``, for ``t > τ``.

    Parameters
    ----------
    meals : sequence of Meal
    t : array_like
        Times in hours.
    half_life : float

    Returns
    -------
    ndarray, the shape of ``t``
    """
    h = _number(half_life, "half_life", positive=True)
    ts = np.asarray(t, dtype=np.float64)
    s = np.zeros_like(ts)
    for meal in _meals(meals):
        age = ts - meal.time
        if meal.duration == 0:
            s += np.where(age >= 0, meal.amount * np.exp2(-np.maximum(age, 0) / h), 0.0)
            continue
        eaten_until = np.minimum(ts, meal.end)
        rate = meal.amount / meal.duration
        part = rate * h / math.log(2) * (np.exp2(-(ts - eaten_until) / h)
                                          - np.exp2(-np.maximum(age, 0) / h))
        s += np.where(age > 0, part, 0.0)
    return s


def _simpson(fn, a: float, b: float, step: float) -> float:
    """Composite Simpson's rule of ``fn`` over ``[a, b]`` with intervals of at most ``step``."""
    n = max(2, 2 * math.ceil((b - a) / (2 * step)))
    xs = np.linspace(a, b, n + 1)
    ys = fn(xs)
    return float((b - a) / (3 * n) * (ys[0] + ys[-1] + 4 * ys[1:-1:2].sum()
                                       + 2 * ys[2:-1:2].sum()))


def stomach_integral(meals, digestion, t, *, step: float = 1 / 60) -> np.ndarray:
    """``s(t) = ∫ f(x) g(t − x) dx`` numerically, for any digestion curve.

    A spike meal contributes ``A·g(t − τ)`` (the integral against an impulse). A box meal's
    integral ``∫ (A / D)·g(t − x) dx`` over ``[τ, min(τ + D, t)]`` is cut where ``g`` bends
    (the tabulated points) and each piece is integrated with Simpson's rule on a grid of at
    most ``step`` hours (a minute by default).

    Parameters
    ----------
    meals : sequence of Meal
    digestion : Digestion or float
        A float is an exponential half-life in hours.
    t : array_like
        Times in hours.
    step : float
        Fine-grid spacing in hours.

    Returns
    -------
    ndarray, the shape of ``t``
    """
    g = _digestion(digestion)
    dx = _number(step, "step", positive=True)
    ts = np.asarray(t, dtype=np.float64)
    s = np.zeros(ts.shape)
    for meal in _meals(meals):
        if meal.duration == 0:
            s += meal.amount * g(ts - meal.time)
            continue
        rate = meal.amount / meal.duration
        flat = s.reshape(-1)
        for index, when in enumerate(ts.reshape(-1)):
            lo, hi = meal.time, min(meal.end, when)
            if hi <= lo:
                continue
            cuts = sorted({lo, hi, *(c for c in (when - k for k in g.kinks) if lo < c < hi)})
            flat[index] += rate * sum(_simpson(lambda x, w=when: g(w - x), a, b, dx)
                                      for a, b in itertools.pairwise(cuts))
    return s


def stomach_hourly(amounts, digestion) -> np.ndarray:
    """The discrete stomach: ``s[n] = Σ_m f[m]·g[n − m]`` for meals eaten on the hour.

    Parameters
    ----------
    amounts : array_like, shape (N,)
        ``amounts[m]``: what is eaten at hour ``m``.
    digestion : Digestion, float or array_like
        The curve (sampled at ages 0, 1, …, N − 1), a half-life, or the samples ``g[0..]``
        themselves.

    Returns
    -------
    ndarray, shape (N,)
        ``np.convolve(amounts, g)[:N]``: what is in the stomach at each hour.
    """
    f = np.asarray(amounts, dtype=np.float64)
    if f.ndim != 1 or len(f) == 0:
        raise ValueError(f"amounts must be a non-empty 1-D array, got shape {f.shape}")
    if isinstance(digestion, Digestion | numbers.Real) and not isinstance(digestion, bool):
        g = _digestion(digestion)(np.arange(len(f), dtype=np.float64))
    else:
        g = np.asarray(digestion, dtype=np.float64)
        if g.ndim != 1 or len(g) == 0:
            raise ValueError(f"the digestion samples must be a non-empty 1-D array, "
                             f"got shape {g.shape}")
    n = len(f)
    s = np.zeros(n)
    for m in np.flatnonzero(f):
        ages = min(n - m, len(g))
        s[m:m + ages] += f[m] * g[:ages]
    return s


# --------------------------------------------------------------------------- animation


@dataclass(frozen=True)
class StomachFrames:
    """Everything the flip-and-slide animation draws, one row per frame.

    Attributes
    ----------
    x : ndarray, shape (X,)
        The day's grid in hours (also the frame times: frame ``j`` is ``t = x[j]``).
    intake : ndarray, shape (X,)
        ``f(x)`` (:func:`meal_intake`).
    curve : ndarray, shape (X,)
        ``g`` at ages ``x`` (the curve before flipping).
    flipped : ndarray, shape (X, X)
        ``flipped[j] = g(x[j] − x)``: ``g`` flipped and shifted to ``t = x[j]``.
    product : ndarray, shape (X, X)
        ``intake * flipped[j]``: the curve whose area is ``s(x[j])``.
    area : ndarray, shape (X,)
        ``Σ product[j]·dx``, the grid's ``s(t)`` (equal to ``np.convolve(f, g)[:X]·dx``).
    exact : ndarray, shape (X,)
        ``s(t)`` from :func:`stomach_closed_form` (exponential) or :func:`stomach_integral`.
    """

    x: np.ndarray
    intake: np.ndarray
    curve: np.ndarray
    flipped: np.ndarray
    product: np.ndarray
    area: np.ndarray
    exact: np.ndarray

    @property
    def dx(self) -> float:
        return float(self.x[1] - self.x[0])


def stomach_frames(meals=DEFAULT_MEALS, digestion=3.0, *, hours: float = 24.0,
                   step_minutes: float = 10.0) -> StomachFrames:
    """The data of every frame of the stomach animation on one grid.

    Parameters
    ----------
    meals : sequence of Meal
    digestion : Digestion or float
        A float is an exponential half-life in hours.
    hours, step_minutes : float
        The axis (24 hours) and its resolution (10 minutes: 145 points, 145 frames).

    Returns
    -------
    StomachFrames
    """
    g = _digestion(digestion)
    meals = _meals(meals)
    x = time_grid(hours, step_minutes)
    f = meal_intake(meals, x)
    curve = g(x)
    steps = np.arange(len(x))
    # ages counted in grid steps, so that every row is exactly `curve` reversed and shifted
    flipped = g((steps[:, None] - steps[None, :]) * _grid_step(x))
    product = f[None, :] * flipped
    area = product.sum(axis=1) * _grid_step(x)
    if g.is_exponential:
        exact = stomach_closed_form(meals, x, g.half_life)
    else:
        exact = stomach_integral(meals, g, x)
    for arr in (x, f, curve, flipped, product, area, exact):
        arr.flags.writeable = False
    return StomachFrames(x, f, curve, flipped, product, area, exact)


# --------------------------------------------------------------------------- hourly meals


def meals_on_the_hour(meals, hours: int = 24) -> np.ndarray:
    """The meals as the discrete ``f[m]``: each meal's whole amount at the hour nearest its
    start, half past rounded up (a box meal is eaten at once), for ``m = 0, 1, …, hours − 1``.

    Meals whose nearest hour is ``hours`` or later are left out.

    Returns
    -------
    ndarray, shape (hours,)
    """
    n = round(_number(hours, "hours", positive=True))
    f = np.zeros(n)
    for meal in _meals(meals):
        m = math.floor(meal.time + 0.5)
        if m < n:
            f[m] += meal.amount
    return f


@dataclass(frozen=True)
class HourlyTerm:
    """One term ``f[m]·g[n − m]`` of the discrete stomach ``s[n]``."""

    hour: int
    amount: float
    left: float
    product: float


def stomach_hourly_terms(amounts, digestion, n: int) -> list[HourlyTerm]:
    """The non-zero meals' terms of ``s[n] = Σ_m f[m]·g[n − m]`` (``m ≤ n``), in hour order.

    Their products add up to ``stomach_hourly(amounts, digestion)[n]``.

    Parameters
    ----------
    amounts : array_like, shape (N,)
    digestion : Digestion or float
    n : int
        The hour, ``0 ≤ n < N``.
    """
    f = np.asarray(amounts, dtype=np.float64)
    if f.ndim != 1 or len(f) == 0:
        raise ValueError(f"amounts must be a non-empty 1-D array, got shape {f.shape}")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 0 <= n < len(f):
        raise ValueError(f"the hour must be a whole number from 0 to {len(f) - 1}, got {n!r}")
    g = _digestion(digestion)
    terms = []
    for m in np.flatnonzero(f[:n + 1]):
        left = float(g(float(n - m)))
        terms.append(HourlyTerm(int(m), float(f[m]), left, float(f[m]) * left))
    return terms
