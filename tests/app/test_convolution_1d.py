"""AppTest for the "Convolution in 1-D" page (issue 14), reached through app.py's navigation.

Each of the six sections at its defaults and with changed widgets, against convcore computed
here (never typed-in results); refused input (a digestion table, a signal, a padding too large
for its mode) as one sentence with the previous state kept; presenter mode; a tampered link.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import convcore
from convcore import signals as sig
from convcore import stomach as sto
from convcore import volume as vol
from convcore.trace import cell_arithmetic_1d, format_number

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/convolution_1d.py"
TIMEOUT = 120
#: The page's default meals: 30 minutes of eating each.
MEALS = (sto.Meal(7.5, 1.0, 0.5), sto.Meal(12.0, 1.5, 0.5), sto.Meal(19.0, 2.0, 0.5))


def open_page(**query: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(PAGE).run()
    clean(app)
    return app


@pytest.fixture(scope="module")
def at() -> AppTest:
    """One page at its defaults, shared by the tests that only read it."""
    return open_page()


def clean(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


def text(app: AppTest) -> str:
    parts = [m.value for m in app.main.markdown] + [c.value for c in app.main.caption]
    parts += [i.value for i in app.info] + [w.value for w in app.warning]
    return "\n".join(parts)


def live(app: AppTest) -> str:
    """The text of the live regions (``a11y.live_region``: st.html)."""
    return "\n".join(h.proto.body for h in app.get("html"))


def errors(app: AppTest) -> list[str]:
    return [e.value for e in app.error]


def figure(app: AppTest, predicate) -> dict:
    found = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    (fig,) = [f for f in found if predicate(f)]
    return fig


def stomach(app: AppTest) -> dict:
    return figure(app, lambda f: (f["layout"].get("meta") or {}).get("figure") == "stomach")


def trace(fig: dict, name: str) -> dict:
    (found,) = [t for t in fig["data"] if t.get("name") == name]
    return found


def values(obj) -> np.ndarray:
    """A trace's ``y`` whether sent as a list or as Plotly's typed-array dict."""
    if isinstance(obj, dict):
        import base64
        return np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"])
    return np.asarray(obj, dtype=np.float64)


# ------------------------------------------------------------------------------ 1 · stomach


def test_default_stomach_animation_is_convcores_frames(at):
    frames = sto.stomach_frames(MEALS, 3.0)
    fig = stomach(at)
    assert len(fig["frames"]) == len(frames.x) == 145  # 24 h at 10 minutes
    j = int(np.argmin(np.abs(frames.x - 14.0)))  # t = 14:00 by default
    np.testing.assert_allclose(values(trace(fig, "product")["y"]), frames.product[j], atol=1e-4)
    np.testing.assert_allclose(values(trace(fig, "s")["y"]), frames.area[:j + 1], atol=1e-4)
    last = fig["frames"][-1]["data"]
    np.testing.assert_allclose(last[2]["y"], frames.area, atol=1e-4)
    assert len(json.dumps(fig)) < 1_000_000


def test_default_continuous_and_discrete_sums(at):
    table = at.dataframe[0].value
    shown = dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))
    frames = sto.stomach_frames(MEALS, 3.0)
    assert format_number(frames.area[84], digits=6) in shown.values()
    closed = sto.stomach_closed_form(MEALS, [14.0], 3.0)[0]
    simpson = sto.stomach_integral(MEALS, 3.0, [14.0])[0]
    assert abs(closed - simpson) < 1e-6
    assert format_number(closed, digits=6) in shown.values()
    f = sto.meals_on_the_hour(MEALS, 24)
    s = sto.stomach_hourly(f, 3.0)
    np.testing.assert_allclose(s, np.convolve(f, 2.0 ** (-np.arange(24) / 3.0))[:24])
    assert f"= **{format_number(s[14], digits=4)}**" in text(at)
    assert "s[14] = f[8]·g[6] + f[12]·g[2]" in text(at)
    assert f"s(t) = <strong>{format_number(frames.area[84], digits=4)}</strong>" in live(at)


def test_tabulated_curve_and_a_refused_table_keeps_the_last_valid_one():
    app = open_page()
    app.radio(key="c1_curve").set_value("tabulated").run()
    clean(app)
    app.text_input(key="c1_table").set_value("0:1, 2:0.5, 5:0").run()
    clean(app)
    curve = sto.Digestion.tabulated([0, 2, 5], [1, 0.5, 0])
    frames = sto.stomach_frames(MEALS, curve)
    np.testing.assert_allclose(values(trace(stomach(app), "curve")["y"]), frames.curve,
                               atol=1e-4)
    app.text_input(key="c1_table").set_value("0:1, banana").run()
    clean(app)
    (message,) = errors(app)
    assert "banana" in message and "last valid" in message
    np.testing.assert_allclose(values(trace(stomach(app), "curve")["y"]), frames.curve,
                               atol=1e-4)
    # the meal editor: a bigger lunch changes the hourly sum
    app.number_input(key="c1_la").set_value(3.0).run()
    meals = (MEALS[0], sto.Meal(12.0, 3.0, 0.5), MEALS[2])
    s = sto.stomach_hourly(sto.meals_on_the_hour(meals, 24), curve)
    assert f"= **{format_number(s[14], digits=4)}**" in text(app)


# ------------------------------------------------------------------------------ 2 · the flip


def test_flip_section_commutes_and_reverses(at):
    rows = {r.iloc[0]: r.iloc[1] for _i, r in at.dataframe[1].value.iterrows()}
    f, g = np.array([1.0, 2, 3]), np.array([0.0, 1, 0.5])
    listed = lambda v: "[" + ", ".join(format_number(x, digits=4) for x in v) + "]"  # noqa: E731
    assert rows["f ∗ g (convolution)"] == listed(np.convolve(f, g)) == rows["g ∗ f"]
    assert rows["f ⋆ g (cross-correlation, what conv1d computes)"] == listed(
        np.correlate(f, g, "full"))
    assert rows["f ⋆ reversed g"] == rows["f ∗ g (convolution)"]
    assert "the kernel is not symmetric" in text(at)


def test_symmetric_kernel_agrees_and_a_bad_signal_is_refused():
    app = open_page()
    app.text_input(key="c1_k").set_value("1, 2, 1").run()
    assert "**f ⋆ g = f ∗ g**: yes — the kernel is symmetric" in text(app)
    app.text_input(key="c1_f").set_value("1, x").run()
    clean(app)
    (message,) = errors(app)
    assert "“x”" in message
    rows = {r.iloc[0]: r.iloc[1] for _i, r in app.dataframe[1].value.iterrows()}
    assert rows["g ∗ f"] == "[1, 4, 8, 8, 3]"  # [1, 2, 3] ∗ [1, 2, 1]: the last valid f
    # the sensor: the smoothed curve is convcore's causal average
    app.slider(key="c1_wlen").set_value(3).run()
    _true, measured = sig.noisy_sensor(100, seed=0)
    w = sig.causal_weights(3, 0.6)
    sensor = figure(app, lambda fig: any(t.get("name") == "w(a)" for t in fig["data"]))
    smooth = [t for t in sensor["data"] if t.get("mode") == "lines"][-1]
    np.testing.assert_allclose(values(smooth["y"]), np.convolve(measured, w)[:100], atol=1e-4)


# ------------------------------------------------------------------------------ 3 · step by step


def test_sliding_window_arithmetic_is_convcores():
    app = open_page()
    app.selectbox(key="c1_kp").set_value("moving average").run()
    app.selectbox(key="c1_pad").set_value("causal").run()
    app.number_input(key="c1_d").set_value(2).run()
    app.number_input(key="c1_i").set_value(3).run()
    clean(app)
    x = np.array([1.0, 1, 0, 0, 0, 0, 1, 1])
    k = sig.kernel_1d("moving average", 3)
    cell = cell_arithmetic_1d(x, k, 3, padding=(4, 0), dilation=2)
    assert f"out[3] = {cell.text()}" in live(app)
    out = convcore.conv1d(x, k, padding=((4, 0),), dilation=2)
    fig = figure(app, lambda f: (f["layout"].get("meta") or {}).get("steps") == len(out)
                 and f["layout"].get("meta", {}).get("figure") is None)
    assert len(fig["frames"]) == len(out) == 8
    # reflect padding of 4 on an 8-long signal is fine; on a 4-long one it is refused
    app.selectbox(key="c1_pm").set_value("reflect").run()
    app.text_input(key="c1_x").set_value("1, 2, 3, 4").run()
    clean(app)
    (message,) = errors(app)
    assert "no output" in message


def test_causal_stack_receptive_field(at):
    rows = at.dataframe[2].value
    expected = sig.dilated_causal_stack(20, 4, kernel_size=2)
    assert list(rows.iloc[:, 3]) == [r.receptive_field for r in expected] == [2, 4, 8, 16]


# ------------------------------------------------------------------------------ 4 · data


def test_text_detector_finds_the_ngram():
    app = open_page()
    app.text_input(key="c1_text").set_value("abcabc").run()
    app.text_input(key="c1_ngram").set_value("bc").run()
    clean(app)
    x, alphabet = sig.one_hot_text("abcabc")
    weight, bias = sig.ngram_detector("bc", alphabet)
    hits = np.flatnonzero(convcore.conv1d(x, weight, bias)[0] > 0.5).tolist()
    assert hits == [1, 4]
    assert "found at 2 position(s): 1, 4" in text(app)
    app.text_input(key="c1_ngram").set_value("zz").run()
    clean(app)
    assert "never contains “zz”" in text(app)
    app.radio(key="c1_series").set_value("chirp").run()
    clean(app)


# ------------------------------------------------------------------------------ 5, 6


def test_neighbourhood_and_rotation(at):
    patch = np.array([[3.0, 1, 0], [2, 5, 1], [0, 4, 2]])
    g = np.arange(1.0, 10.0).reshape(3, 3)
    conv = convcore.convolve2d(patch, g, mode="valid")[0, 0]
    assert conv == convcore.conv2d(patch, np.rot90(g, 2))[0, 0]
    assert f"convolve2d = **{format_number(conv)}**" in text(at)
    assert "**g(1, 1)** = 3" in text(at)  # f(x−1, y−1) meets the opposite corner


def test_three_d_clip_and_shapes():
    app = open_page()
    app.radio(key="c1_dir").set_value("left").run()
    clean(app)
    clip = vol.moving_square_clip(frames=6, size=10, square=3, direction="left")
    out = convcore.conv3d(clip, vol.motion_kernel("right"))
    assert (f"Strongest response **{format_number(float(out.max()), digits=3)}**"
            in text(app))
    shapes = vol.conv3d_shapes(3, 64, (16, 112, 112), 3, padding=1)
    assert f"= {shapes.params:,} parameters" in text(app)


# ------------------------------------------------------------------------------ modes, links


def test_presenter_mode_keeps_the_animation_first():
    app = open_page(present="1")
    first = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert first["layout"]["meta"]["figure"] == "stomach" and len(first["frames"]) == 145
    assert "The integral and the hourly sum" not in [s.value for s in app.subheader]


def test_a_tampered_link_falls_back_to_defaults_with_one_notice():
    app = open_page(g="banana", half="99", x="1," * 400, kdir="sideways", bogus="1")
    (notice,) = [i.value for i in app.info if "could not be used" in i.value]
    assert "digestion curve" in notice and "half-life" in notice and "bogus" in notice
    assert app.radio(key="c1_curve").value == "exponential"
    assert app.slider(key="c1_half").value == 3.0
    assert app.radio(key="c1_kdir").value == "right"
    assert app.text_input(key="c1_x").value == "1, 1, 0, 0, 0, 0, 1, 1"
