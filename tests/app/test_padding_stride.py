"""AppTest for the padding & stride page, reached through app.py's navigation.

Every preset must show the seeds' shape and the PyTorch line that gives it; settings that
cannot work must be explained (never a traceback); the stack and transposed sections must
show the seeds' numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/padding_stride.py"
TIMEOUT = 120  # the machine is shared; first runs build figures


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    app.switch_page(PAGE).run()
    clean(app)
    return app


def clean(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


def markdowns(app: AppTest) -> list[str]:
    return [m.value for m in app.main.markdown]


def shape_header(app: AppTest) -> str:
    (header,) = [m for m in markdowns(app) if m.startswith("### ")]
    return header.splitlines()[0]


def codes(app: AppTest) -> list[str]:
    return [c.value for c in app.code]


def pytorch_code(app: AppTest) -> str:
    (code,) = [c for c in codes(app) if c.startswith("import torch")]
    return code


def charts(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def trace_names(fig: dict) -> list[str]:
    return [t.get("name") for t in fig["data"]]


def output_panel_shape(fig: dict) -> tuple[int, ...]:
    """Rows and columns of the drawn output panel (Plotly sends arrays as typed base64)."""
    z = next(t for t in fig["data"] if t.get("name") == "output:values")["z"]
    if isinstance(z, dict):
        return tuple(int(n) for n in z["shape"].split(","))
    return len(z), len(z[0])


def stack_frame(app: AppTest):
    """The layer-stack table (the other tables are the main figure's numbers)."""
    (frame,) = [t.value for t in app.dataframe if "shape" in t.value.columns]
    return frame


def set_numbers(app: AppTest, **values) -> AppTest:
    for key, value in values.items():
        app.number_input(key=key).set_value(value)
    return app.run()


# ------------------------------------------------------------------------------ defaults


def test_defaults_show_the_first_seed_example(at):
    assert shape_header(at) == "### 8×8 → **8×8**"
    assert not at.error and not at.warning
    formula = next(c for c in codes(at) if "height:" in c)
    assert "height: ⌊(8 + 1 + 1 − (3 − 1) − 1) / 1⌋ + 1 = 7 + 1 = 8" in formula
    assert "conv = nn.Conv2d(1, 1, kernel_size=3, padding=1)" in pytorch_code(at)
    main = charts(at)[0]
    assert {"window:first", "window:last", "window:picked"} <= set(trace_names(main))
    assert "unreached" not in trace_names(main)


SEED_PRESETS = [
    pytest.param(0, "8×8", "nn.Conv2d(1, 1, kernel_size=3, padding=1)", id="k3-p1"),
    pytest.param(1, "8×8", "nn.Conv2d(1, 1, kernel_size=(5, 3), padding=(2, 1))",
                 id="k5x3-p2x1"),
    pytest.param(2, "4×4", "nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)",
                 id="k3-p1-s2"),
    pytest.param(3, "2×2", "nn.Conv2d(1, 1, kernel_size=(3, 5), stride=(3, 4), padding=(0, 1))",
                 id="k3x5-p0x1-s3x4"),
]


@pytest.mark.parametrize(("index", "shape", "line"), SEED_PRESETS)
def test_each_seed_preset_shows_its_shape_and_pytorch_line(at, index, shape, line):
    set_numbers(at, ps_in_h=5, ps_k_w=2)  # start somewhere else
    at.button(key=f"ps_preset_{index}").click().run()
    clean(at)
    assert shape_header(at) == f"### 8×8 → **{shape}**"
    assert f"conv = {line}" in pytorch_code(at)
    assert not at.error
    figure = charts(at)[0]
    assert output_panel_shape(figure) == tuple(int(n) for n in shape.split("×"))
    assert "window:picked" in trace_names(figure)


def test_the_strided_seed_example_explains_the_rows_it_drops(at):
    at.button(key="ps_preset_3").click().run()
    (warning,) = [w.value for w in at.warning]
    assert "Input rows 6–7 at the bottom are never reached" in warning
    assert "unreached" in trace_names(charts(at)[0])
    formula = next(c for c in codes(at) if "height:" in c)
    assert "⌊5 / 3⌋ + 1 = 1 + 1 = 2" in formula
    captions = " ".join(c.value for c in at.caption)
    assert "width: the stride does not divide evenly: the last 1 padded column" in captions


def test_the_picked_window_follows_clicks_and_stays_inside_the_output(at):
    at.session_state["ps_click"] = ("output", 6, 2)
    at.run()
    assert (at.number_input(key="ps_pick_i").value, at.number_input(key="ps_pick_j").value) \
        == (6, 2)
    at.session_state["ps_click"] = ("input", 7, 7)  # the last input cell: window (6, 6) first
    at.run()
    assert (at.number_input(key="ps_pick_i").value, at.number_input(key="ps_pick_j").value) \
        == (6, 6)
    at.button(key="ps_preset_3").click().run()  # 2×2 output: the pick is pulled back in
    clean(at)
    assert at.number_input(key="ps_pick_i").value <= 1
    assert at.number_input(key="ps_pick_j").value <= 1
    assert "picked window (" in " ".join(markdowns(at))


def test_show_all_outlines_every_window(at):
    at.checkbox(key="ps_show_all").check().run()
    clean(at)
    assert {"window:all", "window:centres"} <= set(trace_names(charts(at)[0]))


def test_a_non_zero_padding_mode_says_what_it_copies(at):
    at.button(key="ps_extra_1").click().run()  # 7×7, k3, p2, reflect
    clean(at)
    captions = " ".join(c.value for c in at.caption)
    assert "the 2 top padding rows copy input rows 2, 1" in captions
    assert 'padding_mode="reflect"' in pytorch_code(at)
    assert shape_header(at) == "### 7×7 → **9×9**"


# ------------------------------------------------------------------------------ problems


def test_same_with_stride_is_explained_and_fixed_in_one_click(at):
    at.radio(key="ps_geo_padding").set_value("same").run()
    set_numbers(at, ps_geo_stride_h=2)
    clean(at)
    (error,) = [e.value for e in at.error]
    assert '"same" needs stride 1' in error
    assert "not supported for strided convolutions" in error
    assert not at.get("plotly_chart") or "window:first" not in trace_names(charts(at)[0])
    # 8×8, 3×3, stride (2, 1): the stride-1 "same" padding gives ⌈n / s⌉ = 4×8 (any kernel)
    assert any("**4×8** output here: ⌈n / s⌉ for any kernel and dilation" in m
               for m in markdowns(at))
    at.button(key="ps_fix_same").click().run()
    clean(at)
    assert not at.error
    assert shape_header(at) == "### 8×8 → **4×8**"


def test_a_kernel_larger_than_the_padded_input_is_explained(at):
    set_numbers(at, ps_k_h=12)
    clean(at)
    (error,) = [e.value for e in at.error]
    assert "the 12×3 kernel is larger than the padded 10×10 input" in error
    assert "n + p_before + p_after ≥ d·(k − 1) + 1" in error
    assert any("does not fit: 2 short" in c for c in codes(at))


def test_reflect_padding_larger_than_the_input_is_explained(at):
    at.button(key="ps_extra_1").click().run()
    set_numbers(at, ps_geo_pad_top=7)
    clean(at)
    (error,) = [e.value for e in at.error]
    assert "reflect padding of 7" in error
    assert "at most n − 1 cells" in error


def test_even_kernel_same_shows_both_conventions(at):
    at.button(key="ps_extra_0").click().run()  # 6×6, k2, "same"
    clean(at)
    assert shape_header(at) == "### 6×6 → **6×6**"
    info = " ".join(i.value for i in at.info)
    assert "PyTorch" in info and "d2l" in info and "bottom/right" in info
    assert 'padding="same"' in pytorch_code(at)
    names = [fig["layout"].get("meta", {}).get("panels") for fig in charts(at)]
    assert ["pytorch:input", "pytorch:output", "d2l:input", "d2l:output"] in names
    at.radio(key="ps_same_convention").set_value(at.radio(key="ps_same_convention").options[1])
    at.run()
    clean(at)
    assert "x_padded = F.pad(x, (1, 0, 1, 0))" in pytorch_code(at)
    formula = next(c for c in codes(at) if "height:" in c)
    assert "⌊(6 + 1 + 0 − (2 − 1) − 1) / 1⌋ + 1" in formula


# ------------------------------------------------------------------------------ stack


def test_stack_defaults_to_the_seeds_240_through_ten_5x5_layers(at):
    frame = stack_frame(at)
    assert list(frame["shape"])[-1] == "200×200"
    assert list(frame["receptive field"])[-1] == "41×41"
    success = " ".join(s.value for s in at.success)
    assert "240×240 → 200×200" in success
    assert "30.6% of the cells are gone" in success
    # docs/glossary.md: the receptive field is the input region that can affect one output cell
    assert ("One output cell's receptive field is a **41×41** region of the (padded) "
            "input") in success
    intro = next(m for m in markdowns(at) if m.startswith("N layers of one kernel"))
    assert "the input region that can affect one output cell" in intro


def test_stack_presets_and_a_stack_that_runs_out(at):
    at.button(key="ps_stack_preset_1").click().run()
    assert list(stack_frame(at)["shape"])[-1] == "240×240"
    at.button(key="ps_stack_preset_2").click().run()
    assert list(stack_frame(at)["shape"]) == ["224×224", "112×112", "56×56", "28×28",
                                                    "14×14", "7×7"]
    set_numbers(at, ps_stack_h=20, ps_stack_w=20, ps_stack_n=6, ps_stack_k=5,
                ps_stack_p=0, ps_stack_s=1)
    clean(at)
    (error,) = [e.value for e in at.error]
    assert "The stack stops at layer 5" in error
    assert list(stack_frame(at)["shape"])[-1] == "4×4"


def test_stack_with_same_and_stride_is_explained(at):
    at.radio(key="ps_stack_pad").set_value("same").run()
    set_numbers(at, ps_stack_s=2)
    clean(at)
    (error,) = [e.value for e in at.error]
    assert "These layers cannot be built" in error and "stride 1" in error


# ------------------------------------------------------------------------------ transposed


def test_transposed_defaults_to_the_d2l_example(at):
    assert "[[0, 0, 1], [0, 4, 6], [4, 12, 9]]" in " ".join(codes(at))
    assert any(m.startswith("#### 2×2 → **3×3**") for m in markdowns(at))
    formula = next(c for c in codes(at) if "output_padding + 1" in c)
    assert "height: (2 − 1)·1 − 2·0 + 1·(2 − 1) + 0 + 1" in formula


@pytest.mark.parametrize(
    ("index", "shape", "values"),
    [
        pytest.param(1, "4×4", "[[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]]",
                     id="stride-2"),
        pytest.param(2, "1×1", "[[4]]", id="padding-1"),
    ],
)
def test_transposed_presets(at, index, shape, values):
    at.button(key=f"ps_tr_preset_{index}").click().run()
    clean(at)
    assert any(m.startswith(f"#### 2×2 → **{shape}**") for m in markdowns(at))
    assert values in " ".join(codes(at))


def test_transposed_output_padding_too_large_is_explained(at):
    set_numbers(at, ps_tr_op=1)
    clean(at)
    (error,) = [e.value for e in at.error]
    assert "output_padding (1) must be smaller than the stride (1)" in error
