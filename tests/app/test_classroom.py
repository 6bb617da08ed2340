"""The classroom modules on a page: shareable links, presenter mode, predict-then-reveal.

Driven through tests/app/fixtures/classroom_app.py, a two-page app whose first page adopts
ui.url_state, ui.presenter and ui.quiz the way the app's pages do, on top of the shared
widgets of ui.controls (so the ready-made URL parameters meet the real widget keys).
The browser drops the query string when the navigation switches pages; AppTest does not,
so the tests clear it themselves there.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from ui import presenter
from ui import url_state as us

APP = str(Path(__file__).parent / "fixtures" / "classroom_app.py")
PAGE = "classroom_page.py"
OTHER = "other_page.py"

DEFAULT_STATE = ("STATE kernel=d2l weights=[[0.0, 1.0], [2.0, 3.0]] padding=valid "
                 "stride=(1, 1) dilation=(1, 1) speed=normal size=6 gain=1 title=Demo "
                 "range=0,9 max_cell_px=60")
URL_NAMES = {"k", "kw", "cpad", "cpt", "cpb", "cpl", "cpr", "csh", "csw", "cdh", "cdw",
             "speed", "n", "gain", "title", "rng", "quiz"}


def open_link(query: dict[str, str] | None = None) -> AppTest:
    """A new session opening the fixture app with this query string."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query or {})
    return at.run()


def state_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("STATE"))


def texts(at: AppTest, prefix: str) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith(prefix)]


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# ------------------------------------------------------------------------------ shareable state


def test_a_plain_visit_shows_the_defaults_and_keeps_the_url_empty():
    at = open_link()
    assert_clean(at)
    assert state_line(at) == DEFAULT_STATE
    assert not at.info
    assert at.query_params == {}


def test_a_link_opens_exactly_its_settings():
    query = {"kw": "1,-1;0,2", "cpad": "custom", "cpt": "2", "cpr": "0", "csh": "2",
             "cdw": "2", "speed": "fast", "n": "9", "gain": "2.5", "title": "Edges",
             "rng": "-3,4"}
    at = open_link(query)
    assert_clean(at)
    assert not at.info
    assert state_line(at) == (
        "STATE kernel=custom weights=[[1.0, -1.0], [0.0, 2.0]] padding=((2, 1), (1, 0)) "
        "stride=(2, 1) dilation=(1, 2) speed=fast size=9 gain=2.5 title=Edges range=-3,4 "
        "max_cell_px=60")
    assert at.selectbox(key="cls_k_preset").value == "custom"
    assert at.text_area(key="cls_k_text").value == "1  -1\n0  2"
    assert at.number_input(key="cls_pad_top").value == 2
    assert at.slider(key="cls_range").value == (-3, 4)
    assert at.query_params == {**query, "k": "custom"}


def test_a_preset_kernel_link_loads_its_weights():
    at = open_link({"k": "sobel_x"})
    assert_clean(at)
    assert "kernel=sobel_x weights=[[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]" \
        in state_line(at)
    assert at.query_params == {"k": "sobel_x"}


def test_settings_round_trip_through_the_url():
    at = open_link()
    at.selectbox(key="cls_k_preset").select("sobel_y").run()
    at.radio(key="cls_padding").set_value("same").run()
    at.number_input(key="cls_stride_w").set_value(3).run()
    at.radio(key="cls_speed").set_value("slow").run()
    at.slider(key="cls_size").set_value(11).run()
    at.number_input(key="cls_gain").set_value(0.25).run()
    at.text_input(key="cls_title").input("Stride 3").run()
    at.slider(key="cls_range").set_value((-2, 5)).run()
    assert_clean(at)
    link = dict(at.query_params)
    assert link == {"k": "sobel_y", "cpad": "same", "csw": "3", "speed": "slow", "n": "11",
                    "gain": "0.25", "title": "Stride 3", "rng": "-2,5"}

    reopened = open_link(link)
    assert_clean(reopened)
    assert not reopened.info
    assert state_line(reopened) == state_line(at)
    assert dict(reopened.query_params) == link


def test_typed_weights_travel_as_a_custom_kernel():
    at = open_link()
    at.text_area(key="cls_k_text").input("1 -1\n-1 1").run()
    assert at.query_params == {"k": "custom", "kw": "1,-1;-1,1"}
    reopened = open_link(dict(at.query_params))
    assert state_line(reopened) == state_line(at)
    assert "weights=[[1.0, -1.0], [-1.0, 1.0]]" in state_line(reopened)


def test_a_setting_back_at_its_default_leaves_the_link():
    at = open_link({"n": "9", "speed": "fast"})
    at.slider(key="cls_size").set_value(6).run()
    assert at.query_params == {"speed": "fast"}


def test_reruns_do_not_read_the_link_again():
    at = open_link({"n": "9"})
    at.slider(key="cls_size").set_value(7).run()
    assert "size=7" in state_line(at)
    at.radio(key="cls_speed").set_value("fast").run()
    assert "size=7" in state_line(at)
    assert at.query_params == {"n": "7", "speed": "fast"}


def test_coming_back_through_the_navigation_restores_the_page():
    at = open_link({"n": "9", "k": "sobel_x"})
    at.radio(key="cls_speed").set_value("fast").run()
    before = state_line(at)
    at.switch_page(OTHER).run()
    at.query_params.clear()  # the browser's navigation drops the query string
    at.switch_page(PAGE).run()
    assert_clean(at)
    assert state_line(at) == before
    assert at.query_params == {"n": "9", "k": "sobel_x", "speed": "fast"}
    assert not at.info


@pytest.mark.parametrize(("query", "phrase"), [
    ({"n": "abc"}, "“input size” “abc” is not a whole number"),
    ({"n": "2.5"}, "“input size” “2.5” is not a whole number"),
    ({"n": "99"}, "“input size” “99” is above 12"),
    ({"n": "-4"}, "“input size” “-4” is below 3"),
    ({"csh": "0"}, "“stride down” “0” is below 1"),
    ({"k": "nope"}, "“kernel” “nope” is not one of the choices"),
    ({"speed": "warp"}, "“speed” “warp” is not one of the choices"),
    ({"cpad": "custom'; DROP TABLE x;--"}, "“padding” “custom·; DROP TABLE x;--” is not one"),
    ({"kw": "1,2;3"}, "“kernel weights” “1,2;3” has rows of different lengths"),
    ({"kw": ";".join([",".join(["1"] * 8)] * 8)}, "is not a grid of 1 to 7 rows and columns"),
    ({"kw": "1,nan"}, "“kernel weights” “1,nan” is not a number"),
    ({"gain": "1e999"}, "“gain” “1e999” is too large"),
    ({"gain": "Infinity"}, "“gain” “Infinity” is not a number"),
    ({"title": "x" * 5000}, "is longer than 40 characters"),
    ({"title": "a\x00b"}, "contains control characters"),
    ({"rng": "1,2,3"}, "“rng” “1,2,3” needs 2 numbers"),
    ({"quiz": "maybe"}, "“quiz mode” “maybe” is not 1 or 0"),
    ({"n": "<script>alert(1)</script>"}, "“input size” “·script·alert(1)·/script·” is not"),
    ({"utm_source": "mail"}, "“utm\\_source” is not a setting of this page"),
], ids=["int-word", "int-fraction", "int-above", "int-negative", "stride-zero",
        "unknown-kernel", "unknown-speed", "sql-like", "ragged-weights", "oversized-kernel",
        "nan-weight", "float-overflow", "float-word", "absurd-title", "control-character",
        "list-length", "bool-word", "script-tag", "unknown-key"])
def test_a_tampered_link_falls_back_to_defaults_with_one_notice(query, phrase):
    at = open_link(query)
    assert_clean(at)
    assert state_line(at) == DEFAULT_STATE
    assert len(at.info) == 1
    notice = at.info[0].value
    assert notice.startswith("This link had settings that could not be used (")
    assert notice.endswith("the defaults are shown instead.")
    assert phrase in notice
    assert at.query_params == {}  # the link in the address bar is clean again


def test_a_partly_bad_link_keeps_its_good_settings():
    at = open_link({"n": "9", "speed": "warp", "gain": "3"})
    assert "speed=normal size=9 gain=3" in state_line(at)
    assert len(at.info) == 1
    assert "“speed” “warp”" in at.info[0].value
    assert "input size" not in at.info[0].value
    assert at.query_params == {"n": "9", "gain": "3"}


def test_a_custom_kernel_link_with_broken_weights_opens_the_default_weights():
    at = open_link({"k": "custom", "kw": "6,,.386"})  # found by the fuzzer below
    assert_clean(at)
    assert "kernel=custom weights=[[0.0, 1.0], [2.0, 3.0]]" in state_line(at)
    assert "“kernel weights” “6,,.386” is not a number" in at.info[0].value
    assert at.query_params == {"k": "custom", "kw": "0,1;2,3"}


def test_a_repeated_key_uses_its_last_value():
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["n"] = ["4", "8"]
    at.run()
    assert "size=8" in state_line(at)


def test_the_notice_stays_for_the_visit_only():
    at = open_link({"n": "abc"})
    assert len(at.info) == 1
    at.radio(key="cls_speed").set_value("fast").run()
    assert not at.info
    assert at.query_params == {"speed": "fast"}


def test_the_share_box_shows_the_current_link():
    at = open_link()
    at.slider(key="cls_size").set_value(9).run()
    at.text_area(key="cls_k_text").input("1 -1").run()
    assert at.code[-1].value == "?k=custom&kw=1,-1&n=9"


QUERY_KEYS = st.one_of(st.sampled_from(sorted(URL_NAMES | {"present"})),
                       st.text(min_size=1, max_size=12))
QUERY_VALUES = st.one_of(st.text(max_size=40), st.text(alphabet="0123456789,;.-e", max_size=20),
                         st.sampled_from(["custom", "same", "fast", "sobel_x", "1", "0"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(QUERY_KEYS, QUERY_VALUES, max_size=6))
@example({"present": "1"})
def test_no_query_string_breaks_the_page(query):
    at = open_link(query)
    assert_clean(at)
    assert state_line(at).startswith("STATE kernel=")
    assert len(at.info) <= 1
    left = dict(at.query_params)
    assert set(left) <= URL_NAMES | {"present"}
    # What the page wrote back is a link that opens cleanly.
    again = open_link(left)
    assert not again.info
    assert state_line(again) == state_line(at)


def test_the_query_string_of_a_link_is_what_urlencode_makes():
    # AppTest and the browser send the query string url-encoded; the compact grid survives.
    assert us.link_query({"kw": "1,-1;0,2"}) == "kw=1,-1;0,2"
    assert urlencode({"kw": "1,-1;0,2"}) == "kw=1%2C-1%3B0%2C2"


# ------------------------------------------------------------------------------ presenter mode


def test_presenter_mode_is_off_by_default_and_advanced_controls_are_in_place():
    at = open_link()
    assert at.toggle(key="presenter").value is False
    assert not at.get("html")
    assert not at.expander
    assert at.number_input(key="cls_gain").value == 1.0


def test_a_present_link_turns_presenter_mode_on():
    at = open_link({"present": "1"})
    assert_clean(at)
    assert not at.info  # present is the app's, not a page setting
    assert at.toggle(key="presenter").value is True
    css = at.get("html")[0].proto.body
    assert "font-size: 22px" in css and "stWidgetLabel" in css
    assert [e.label for e in at.expander] == [":material/tune: More settings"]
    assert at.expander[0].number_input(key="cls_gain").value == 1.0
    assert "max_cell_px=96" in state_line(at)
    assert at.query_params == {"present": "1"}


def test_presenter_mode_is_remembered_across_pages_and_follows_the_toggle():
    at = open_link()
    at.toggle(key="presenter").set_value(True).run()
    assert at.query_params == {"present": "1"}
    at.switch_page(OTHER).run()
    assert texts(at, "PRESENTING=") == ["PRESENTING=True"]
    at.query_params.clear()
    at.switch_page(PAGE).run()
    assert at.toggle(key="presenter").value is True
    assert at.query_params == {"present": "1"}
    at.toggle(key="presenter").set_value(False).run()
    assert at.query_params == {}
    assert not at.get("html")
    assert "max_cell_px=60" in state_line(at)


def test_presenter_mode_keeps_the_settings_of_folded_controls():
    at = open_link({"gain": "4"})
    at.toggle(key="presenter").set_value(True).run()
    assert "gain=4" in state_line(at)
    at.toggle(key="presenter").set_value(False).run()
    assert "gain=4" in state_line(at)
    assert at.query_params == {"gain": "4"}


def test_a_present_link_with_a_bad_value_is_ignored():
    at = open_link({"present": "<b>"})
    assert_clean(at)
    assert at.toggle(key="presenter").value is False


def test_figure_scale_is_larger_when_presenting():
    normal, big = presenter.figure_scale(False), presenter.figure_scale(True)
    assert set(normal) == set(big)
    assert all(big[k] > normal[k] for k in normal)


def _cell_figure(text: str = "19") -> go.Figure:
    fig = go.Figure(go.Heatmap(z=[[1.0]], text=[[text]], texttemplate="%{text}",
                               textfont=dict(size=14)))
    fig.add_annotation(text="Input", x=0, y=1, showarrow=False, font=dict(size=14))
    fig.add_scatter(x=[0], y=[0], mode="lines", line=dict(width=2))
    fig.update_layout(meta={"cell_px": 60})
    return fig


def test_scale_figure_enlarges_fonts_and_lines_in_a_copy():
    fig = _cell_figure()
    big = presenter.scale_figure(fig, presenter.figure_scale(True))
    assert big is not fig
    # 14 px × 1.75 = 24.5; a title is raised to the presenter's title size (26 px)
    assert big.layout.annotations[0].font.size == 26
    assert big.data[0].textfont.size == 24 >= presenter.MIN_PROJECTED_PX
    assert big.data[1].line.width == 3.5
    assert fig.layout.annotations[0].font.size == 14  # the original is untouched
    assert fig.data[0].textfont.size == 14


def test_scale_figure_keeps_cell_numbers_inside_their_cells():
    big = presenter.scale_figure(_cell_figure("−0.3333"), presenter.figure_scale(True))
    assert big.data[0].textfont.size == 14  # a long number already fills the 60 px cell


def test_scale_figure_returns_the_figure_itself_outside_presenter_mode():
    fig = _cell_figure()
    assert presenter.scale_figure(fig, presenter.figure_scale(False)) is fig


def test_scale_figure_scales_animation_frames_too():
    fig = _cell_figure()
    fig.frames = [go.Frame(data=[go.Scatter(line=dict(width=2))], traces=[1])]
    big = presenter.scale_figure(fig, presenter.figure_scale(True))
    assert big.frames[0].data[0].line.width == 3.5
    assert np.isclose(fig.frames[0].data[0].line.width, 2)


# ------------------------------------------------------------------------- predict, then reveal


def answer_shape(at: AppTest, rows: int, cols: int) -> AppTest:
    at.number_input(key="quiz_cls_shape_rows").set_value(rows)
    at.number_input(key="quiz_cls_shape_cols").set_value(cols)
    return at.button(key="quiz_cls_shape_check").click().run()


# Material Symbols, not emoji (an emoji is an empty box without an emoji font: issue 9).
SCORE = ":material/quiz: Quiz score (first tries): "
RIGHT, WRONG = ":material/check_circle:", ":material/cancel:"


def badge(at: AppTest) -> str:
    return next(m.value for m in at.sidebar.markdown if m.value.startswith(":material/quiz:"))


def test_without_quiz_mode_the_page_shows_everything():
    at = open_link()
    assert texts(at, "OUTPUT_SHAPE") == ["OUTPUT_SHAPE=5x5"]
    assert texts(at, "FIRST_VALUE") == ["FIRST_VALUE=34"]
    assert not [m for m in at.sidebar.markdown if m.value.startswith(":material/quiz:")]


def test_quiz_mode_hides_the_answers_until_asked():
    at = open_link({"quiz": "1"})
    assert at.toggle(key="quiz_cls").value is True
    assert texts(at, "OUTPUT_SHAPE") == [] and texts(at, "FIRST_VALUE") == []
    assert badge(at) == SCORE + "**0 / 0** on this page · **0 / 0** in all"


def test_a_right_shape_is_revealed_with_a_tick_and_scores():
    at = answer_shape(open_link({"quiz": "1"}), 5, 5)
    assert_clean(at)
    assert [(s.icon, s.value) for s in at.success] == [(RIGHT, "Right: 5×5.")]
    assert texts(at, "OUTPUT_SHAPE") == ["OUTPUT_SHAPE=5x5"]
    assert any("⌊(n + padding − span) / stride⌋" in m.value for m in at.markdown)
    assert badge(at) == SCORE + "**1 / 1** on this page · **1 / 1** in all"


def test_a_wrong_shape_gets_a_second_try_and_counts_once():
    at = answer_shape(open_link({"quiz": "1"}), 4, 4)
    assert_clean(at)
    assert [w.value for w in at.warning] == [
        "Not quite: 4×4 is not it. Try once more, or press “Show me”."]
    assert "5×5" not in " ".join(w.value for w in at.warning)
    assert texts(at, "OUTPUT_SHAPE") == []  # still hidden: a second try is allowed
    assert badge(at).endswith("**0 / 1** on this page · **0 / 1** in all")
    at = answer_shape(at, 6, 6)
    assert [(e.icon, e.value) for e in at.error] == [
        (WRONG, "Not quite: you said 6×6; the answer is 5×5.")]
    assert texts(at, "OUTPUT_SHAPE") == ["OUTPUT_SHAPE=5x5"]
    with pytest.raises(KeyError):
        at.button(key="quiz_cls_shape_check")  # answered twice: no third try
    at.radio(key="cls_speed").set_value("fast").run()
    assert badge(at) == SCORE + "**0 / 1** on this page · **0 / 1** in all"


def test_a_right_second_try_reveals_but_scores_the_first():
    at = answer_shape(answer_shape(open_link({"quiz": "1"}), 4, 4), 5, 5)
    assert [(s.icon, s.value) for s in at.success] == [(RIGHT, "Right on the second try: 5×5.")]
    assert texts(at, "OUTPUT_SHAPE") == ["OUTPUT_SHAPE=5x5"]
    assert badge(at).endswith("**0 / 1** in all")


def test_show_me_after_a_wrong_first_try_reveals():
    at = answer_shape(open_link({"quiz": "1"}), 4, 4)
    at.button(key="quiz_cls_shape_show").click().run()
    assert texts(at, "OUTPUT_SHAPE") == ["OUTPUT_SHAPE=5x5"]
    assert badge(at).endswith("**0 / 1** in all")


def test_a_number_question_accepts_what_learners_type():
    at = open_link({"quiz": "1"})
    at.text_input(key="quiz_cls_first_in").input("34.001")
    at.button(key="quiz_cls_first_check").click().run()
    assert [(s.icon, s.value) for s in at.success] == [(RIGHT, "Right: 34.")]
    assert texts(at, "FIRST_VALUE") == ["FIRST_VALUE=34"]


def test_an_unreadable_answer_gets_a_hint_and_does_not_count():
    at = open_link({"quiz": "1"})
    at.text_input(key="quiz_cls_first_in").input("thirty")
    at.button(key="quiz_cls_first_check").click().run()
    assert [w.value for w in at.warning] == [
        "“thirty” is not a number: type digits, a point, a minus sign or a fraction such as 1/9."]
    assert texts(at, "FIRST_VALUE") == []
    assert badge(at).endswith("**0 / 0** in all")


def test_show_me_reveals_and_counts_as_asked():
    at = open_link({"quiz": "1"})
    at.button(key="quiz_cls_first_show").click().run()
    assert [(i.icon, i.value) for i in at.info] == [(":material/visibility:", "The answer: 34.")]
    assert texts(at, "FIRST_VALUE") == ["FIRST_VALUE=34"]
    assert badge(at).endswith("**0 / 1** in all")


def test_changing_the_settings_asks_a_new_question():
    at = answer_shape(open_link({"quiz": "1"}), 5, 5)
    at.slider(key="cls_size").set_value(8).run()
    assert texts(at, "OUTPUT_SHAPE") == []
    assert at.number_input(key="quiz_cls_shape_rows").value is None  # an empty box
    at = answer_shape(at, 7, 7)
    assert texts(at, "OUTPUT_SHAPE") == ["OUTPUT_SHAPE=7x7"]
    assert badge(at) == SCORE + "**2 / 2** on this page · **2 / 2** in all"


def test_quiz_mode_is_remembered_across_pages_and_in_the_link():
    at = open_link()
    at.toggle(key="quiz_cls").set_value(True).run()
    assert at.query_params == {"quiz": "1"}
    at.switch_page(OTHER).run()
    at.query_params.clear()
    at.switch_page(PAGE).run()
    assert at.toggle(key="quiz_cls").value is True
    assert texts(at, "OUTPUT_SHAPE") == []
