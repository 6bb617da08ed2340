"""AppTest for the padding & stride page, reached through app.py's navigation.

Every preset must show the seeds' shape and the PyTorch line that gives it; settings that
cannot work must be explained (never a traceback); the stack and transposed sections must
show the seeds' numbers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
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
    # dilation 1: "(k − 1)", not "1·(k − 1)" (issue 9, item 12)
    assert "height: (2 − 1)·1 − 2·0 + (2 − 1) + 0 + 1 = 1 − 0 + 1 + 0 + 1 = 3" in formula


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


# ------------------------------------------------------------------------------ issue 9


def open_with(query: dict[str, str]) -> AppTest:
    """A new session opening the page from a link with ``query``."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.query_params.update(query)
    app.run()
    app.switch_page(PAGE).run()
    clean(app)
    return app


def preset_buttons(app: AppTest):
    return [b for b in app.button if b.key and b.key.startswith(("ps_preset_", "ps_extra_"))]


def test_while_the_shape_question_is_open_nothing_gives_the_shape_away():
    """Issue 9, item 2: no "→ 8×8" / "→ 4×4" on the presets, no "2 × 2" in their help, no
    formula, drawing or table until the question is answered."""
    at = open_with({"quiz": "1"})
    labels = [b.label for b in preset_buttons(at)]
    assert labels and not [label for label in labels if "→" in label], labels
    assert not [b.help for b in preset_buttons(at) if "2 × 2" in (b.help or "")]
    assert not [m for m in markdowns(at) if m.startswith("### ")]
    assert not at.get("plotly_chart")[:1] or "window:first" not in trace_names(charts(at)[0])
    assert not [c for c in codes(at) if "p_before" in c or "n − k + p" in c]
    at.button(key="ps_preset_2").click().run()  # still hidden for the next example
    assert not [b.label for b in preset_buttons(at) if "4×4" in b.label]
    assert not [m for m in markdowns(at) if m.startswith("### 8×8")]


def test_without_the_quiz_the_presets_name_their_shape():
    at = open_with({})
    labels = {b.key: b.label for b in preset_buttons(at)}
    assert labels["ps_preset_0"] == "k3 p1 → 8×8"
    assert labels["ps_preset_2"] == "k3 p1 s2 → 4×4"
    assert labels["ps_preset_3"] == "k(3,5) p(0,1) s(3,4) → 2×2"
    help_3 = next(b.help for b in preset_buttons(at) if b.key == "ps_preset_3")
    assert "is 2 × 2" in help_3


LINK = {"lh": "224", "lw": "224", "ln": "5", "lk": "3", "lpad": "number", "lp": "1",
        "ls": "2", "th": "3", "tw": "2", "tkh": "3", "tkw": "3", "ts": "2", "tp": "1",
        "top": "1",
        "pi": "1", "pj": "2", "all": "1"}


def test_a_link_restores_the_layer_stack_the_transposed_convolution_and_the_toggles():
    """Issue 9, item 3: the stack, the transposed settings, the picked window and "show all
    windows" come back from the link."""
    at = open_with(LINK)
    assert stack_frame(at)["shape"].tolist()[-1] == "7×7"
    assert at.radio(key="ps_stack_pad").value == "number"
    assert at.number_input(key="ps_stack_p").value == 1
    assert [at.number_input(key=f"ps_tr_{k}").value for k in ("h", "w", "kh", "kw", "s", "p",
                                                              "op")] == [3, 2, 3, 3, 2, 1, 1]
    x = torch.zeros((1, 1, 3, 2), dtype=torch.float64)
    shape = tuple(torch.nn.functional.conv_transpose2d(
        x, torch.zeros((1, 1, 3, 3), dtype=torch.float64), stride=2, padding=1,
        output_padding=1).shape[2:])
    assert any(m.startswith(f"#### 3×2 → **{shape[0]}×{shape[1]}**") for m in markdowns(at))
    assert (at.number_input(key="ps_pick_i").value,
            at.number_input(key="ps_pick_j").value) == (1, 2)
    assert at.checkbox(key="ps_show_all").value is True
    assert {"window:all", "window:centres"} <= set(trace_names(charts(at)[0]))


def test_the_page_writes_what_it_restores():
    at = open_with({})
    assert dict(at.query_params) == {} or not {k for k in at.query_params} - {"lang"}
    at.button(key="ps_stack_preset_2").click().run()
    at.button(key="ps_tr_preset_1").click().run()
    at.number_input(key="ps_pick_i").set_value(0).run()
    at.checkbox(key="ps_show_all").check().run()
    at.radio(key="ps_geo_padding").set_value("same").run()
    at.number_input(key="ps_k_h").set_value(2).run()
    at.radio(key="ps_same_convention").set_value("d2l").run()
    clean(at)
    link = {name: at.query_params[name] for name in at.query_params}
    fresh = open_with(link)
    for key in ("ps_stack_h", "ps_stack_n", "ps_stack_k", "ps_stack_p", "ps_stack_s",
                "ps_tr_s", "ps_pick_i", "ps_pick_j", "ps_k_h"):
        assert fresh.number_input(key=key).value == at.number_input(key=key).value, key
    assert fresh.radio(key="ps_stack_pad").value == "number"
    assert fresh.checkbox(key="ps_show_all").value is True
    assert fresh.radio(key="ps_same_convention").value == "d2l"
    assert stack_frame(fresh)["shape"].tolist() == stack_frame(at)["shape"].tolist()
    assert pytorch_code(fresh) == pytorch_code(at)


def test_the_page_picks_the_middle_window_by_itself_and_leaves_it_out_of_the_link():
    at = open_with({})
    at.number_input(key="ps_in_h").set_value(12).run()
    assert at.number_input(key="ps_pick_i").value == (12 - 1) // 2
    assert not {"pi", "pj"} & set(at.query_params)


@pytest.mark.parametrize("index, pytorch_line, d2l_line", [
    (0, "height: ⌊(8 + 1 + 1 − (3 − 1) − 1) / 1⌋ + 1 = 7 + 1 = 8",
     "height: 8 − 3 + 2 + 1 = 8"),
    (1, "height: ⌊(8 + 2 + 2 − (5 − 1) − 1) / 1⌋ + 1 = 7 + 1 = 8",
     "height: 8 − 5 + 4 + 1 = 8"),
    (2, "height: ⌊(8 + 1 + 1 − (3 − 1) − 1) / 2⌋ + 1 = ⌊7 / 2⌋ + 1 = 3 + 1 = 4",
     "height: ⌊(8 − 3 + 2 + 2) / 2⌋ = ⌊9 / 2⌋ = 4"),
    (3, " width: ⌊(8 + 1 + 1 − (5 − 1) − 1) / 4⌋ + 1 = ⌊5 / 4⌋ + 1 = 1 + 1 = 2",
     " width: ⌊(8 − 5 + 2 + 4) / 4⌋ = ⌊9 / 4⌋ = 2"),
], ids=["k3-p1", "k5x3-p2x1", "k3-p1-s2", "k3x5-p0x1-s3x4"])
def test_the_seeds_form_of_the_formula_stands_beside_pytorchs(at, index, pytorch_line,
                                                              d2l_line):
    """Issue 9, item 12: d2l's (n − k + p + 1) / ⌊(n − k + p + s)/s⌋ with the numbers, and no
    "1·(k − 1)" when the dilation is 1 — the seeds' lines, as printed in the notes."""
    at.button(key=f"ps_preset_{index}").click().run()
    blocks = codes(at)
    assert any(pytorch_line in c for c in blocks), blocks
    assert any(d2l_line in c for c in blocks), blocks
    assert not [c for c in blocks if "1·(" in c]
    headings = [m for m in markdowns(at) if "d2l's form" in m]
    assert headings and "p = both sides together" in headings[0]


def test_with_dilation_the_pytorch_form_keeps_d_and_d2ls_k_is_the_span(at):
    at.button(key="ps_extra_2").click().run()  # 9×9, k3, dilation 2, stride 3
    blocks = codes(at)
    assert any("out = ⌊(n + p_before + p_after − d·(k − 1) − 1) / s⌋ + 1" in c for c in blocks)
    assert any("height: ⌊(9 + 0 + 0 − 2·(3 − 1) − 1) / 3⌋ + 1" in c for c in blocks)
    assert any("height: ⌊(9 − 5 + 0 + 3) / 3⌋ = ⌊7 / 3⌋ = 2" in c for c in blocks)
    assert "that span is the k of d2l's form" in " ".join(c.value for c in at.caption)


EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")


def test_no_legend_icon_or_label_needs_an_emoji_font(at):
    """Issue 9, item 13: the legend is words and drawn swatches; no emoji anywhere on the
    page's own text, buttons or alert icons (Debian's Chromium draws them as empty boxes)."""
    at.button(key="ps_preset_3").click().run()  # unreached cells: the full legend
    (legend,) = [m for m in markdowns(at) if 'class="ps-legend"' in m]
    for words in ("first window: blue, dotted frame", "last window: green, dashed frame",
                  "picked window (", "orange-red, thick frame", "padding: hatched grey cells",
                  "input cells no window reaches: crossed out"):
        assert words in legend
    assert legend.count('aria-hidden="true"') == 5  # a drawn swatch per item
    texts = [*markdowns(at), *(c.value for c in at.main.caption), *(b.label for b in at.button),
             *(e.label for e in at.main.expander), at.title[0].value]
    alerts = [*at.error, *at.warning, *at.info, *at.success]
    texts += [a.value for a in alerts] + [a.icon or "" for a in alerts]
    assert not [t for t in texts if EMOJI.search(t)]


def test_presenter_mode_draws_the_main_figure_first_and_larger():
    """Issue 9, item 1: one row of presets, the settings folded, then the main figure (the
    padded input alone, cells large enough for 24 px numbers) before any formula."""
    at = open_with({"present": "1"})
    labels = [e.label for e in at.expander]
    assert "Input, kernel, padding, stride" in labels
    assert ":material/tune: Dilation and padding values" in labels
    figures = charts(at)
    main, output = figures[0], figures[1]
    assert main["layout"]["annotations"][0]["text"].startswith("<b>padded input</b>")
    assert output["layout"]["annotations"][0]["text"].startswith("<b>output</b>")
    cell_font = [t["textfont"]["size"] for t in main["data"]
                 if t.get("type") == "heatmap" and t.get("textfont")]
    assert cell_font and min(cell_font) >= 24
    order = [e.type for e in at.main]
    assert "code" not in order[:order.index("plotly_chart")]


def test_the_picked_window_is_said_in_words_for_screen_readers(at):
    """Issue 11: the figure's headline (the picked window and its output) as a live region,
    and the grids as tables."""
    at.button(key="ps_preset_2").click().run()  # 8×8, k3, p1, s2: output 4×4
    at.number_input(key="ps_pick_i").set_value(1).run()
    at.number_input(key="ps_pick_j").set_value(2).run()
    (live,) = [h.proto.body for h in at.get("html") if 'role="status"' in h.proto.body]
    x = torch.arange(64, dtype=torch.float64).reshape(1, 1, 8, 8)
    out = torch.nn.functional.conv2d(x, torch.ones((1, 1, 3, 3), dtype=torch.float64),
                                     stride=2, padding=1)[0, 0]
    # window (1, 2) starts at padded row 2, column 4: input rows 1–3, columns 3–5
    assert "Picked window (1, 2): input rows 1 to 3, columns 3 to 5" in live
    assert f"the output cell (1, 2) = {int(out[1, 2])}." in live
    tables = [h.proto.body for h in at.get("html") if h.proto.body.startswith("<table")]
    assert len(tables) == 2  # padded input, output: real HTML tables, not a canvas
    padded, output = tables
    assert padded.count("<tr>") == 1 + 10 and output.count("<tr>") == 1 + 4
    assert '<th scope="row">row -1</th>' in padded  # padding rows numbered below 0
    assert "0 (padding)" in padded and "(picked window)" in padded
    assert f"{int(out[1, 2])} (picked window)" in output


def test_presenter_figures_clear_their_titles_and_print_24px_numbers():
    """Issue 9, item 1 (the harness's overlap and fonts checks, without a browser): every
    figure on the page in presenter mode keeps its panel titles above the column numbers,
    and the grids' numbers (main figure and transposed convolution) are ≥ 24 px."""
    at = open_with({"present": "1"})
    for fig in charts(at):
        layout = fig["layout"]
        ticks = [axis["tickfont"]["size"] for name, axis in layout.items()
                 if name.startswith("xaxis") and axis.get("side") == "top"]
        for note in layout.get("annotations", []):
            if ticks and note.get("yanchor") == "bottom":
                assert note["yshift"] >= 1.3 * max(ticks), (note["text"], note["yshift"])
        sizes = [t["textfont"]["size"] for t in fig["data"]
                 if t.get("type") == "heatmap" and t.get("text") is not None]
        assert not sizes or min(sizes) >= 24, [a["text"] for a in layout["annotations"]]
