"""ui.url_state without a server: values ↔ URL text, query ↔ session state, fuzzing.

The same machinery driven through a page (AppTest) is in tests/app/test_classroom.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convcore.kernels import get_kernel, kernel_names
from ui import controls
from ui import url_state as us

CHOICE = us.UrlParam("t_mode", "choice", "normal", choices=("slow", "normal", "fast"),
                     name="mode")
INT = us.UrlParam("t_n", "int", 6, min=3, max=12, name="n", label="input size")
FLOAT = us.UrlParam("t_gain", "float", 1.0, min=0.0, max=10.0, name="gain")
BOOL = us.UrlParam("t_on", "bool", False, name="on")
STR = us.UrlParam("t_title", "str", "Demo", max_len=40, name="title")
INTS = us.UrlParam("t_rng", "int-list", (0, 9), min=-9, max=9, min_len=2, max_len=2,
                   name="rng")
GRID = us.UrlParam("t_w", "float-grid", None, max_len=7, name="w")
SCHEMA = us.UrlSchema("t", [CHOICE, INT, FLOAT, BOOL, STR, INTS, GRID])
DEFAULTS = {"t_mode": "normal", "t_n": 6, "t_gain": 1.0, "t_on": False, "t_title": "Demo",
            "t_rng": (0, 9)}

# Characters a notice may contain besides letters and digits: nothing Markdown, HTML or
# Streamlit directives (``:red[...]``, ``:material/...:``) could act on.
NOTICE_SAFE = re.compile(r"(?:[^\W_]|[ ,.;+\-=/()…“”·]|\\_)*")


# ------------------------------------------------------------------------------ decode


@pytest.mark.parametrize(("param", "raw", "expected"), [
    (CHOICE, "fast", "fast"),
    (CHOICE, " FAST ", "fast"),
    (INT, "12", 12),
    (INT, "+3", 3),
    (FLOAT, "2.5", 2.5),
    (FLOAT, ".5", 0.5),
    (FLOAT, "1e-1", 0.1),
    (BOOL, "1", True),
    (BOOL, "off", False),
    (BOOL, "TRUE", True),
    (STR, "Padding demo", "Padding demo"),
    (STR, "<script>alert(1)</script>", "<script>alert(1)</script>"),  # text stays text
    (INTS, "-3, 4", (-3, 4)),
], ids=["choice", "choice-case", "int-max", "int-plus", "float", "float-leading-point",
        "float-exponent", "bool-1", "bool-off", "bool-TRUE", "str", "str-html-is-just-text",
        "int-list"])
def test_decode_reads_valid_text(param, raw, expected):
    value = us.decode(param, raw)
    assert value == expected
    assert type(value) is type(expected)


def test_decode_reads_a_compact_grid():
    grid = us.decode(GRID, "1,-1;0,2.5")
    assert grid.dtype == np.float64
    np.testing.assert_array_equal(grid, [[1, -1], [0, 2.5]])


@pytest.mark.parametrize(("param", "raw", "reason"), [
    (CHOICE, "warp", "is not one of the choices"),
    (CHOICE, "x" * 10_000, "is not one of the choices"),
    (INT, "abc", "is not a whole number"),
    (INT, "2.5", "is not a whole number"),
    (INT, "99", "is above 12"),
    (INT, "-1", "is below 3"),
    (INT, "9" * 400, "is not a whole number"),
    (INT, "1_0", "is not a whole number"),
    (INT, "０", "is not a whole number"),  # a full-width digit
    (FLOAT, "nan", "is not a number"),
    (FLOAT, "inf", "is not a number"),
    (FLOAT, "1e999", "is too large"),
    (FLOAT, "0x10", "is not a number"),
    (FLOAT, "11", "is above 10"),
    (FLOAT, "", "is not a number"),
    (BOOL, "maybe", "is not 1 or 0"),
    (STR, "x" * 41, "is longer than 40 characters"),
    (STR, "a\x00b", "contains control characters"),
    (STR, "a\u202eb", "contains control characters"),  # right-to-left override
    (INTS, "1", "needs 2 numbers"),
    (INTS, "1,2,3", "needs 2 numbers"),
    (INTS, "1,x", "is not a whole number"),
    (INTS, "1,99", "is above 9"),
    (INTS, ",".join(["1"] * 100_000), "is too long"),
    (GRID, "1,2;3", "has rows of different lengths"),
    (GRID, "1;2;3;4;5;6;7;8", "is not a grid of 1 to 7 rows and columns"),
    (GRID, ";".join([",".join(["1"] * 100)] * 100), "is too long"),
    (GRID, "1,nan", "is not a number"),
    (GRID, "1,1e300", "has numbers outside"),
    (GRID, "", "is not a number"),
    (GRID, "1,,2", "is not a number"),
], ids=["choice-unknown", "choice-absurd-length", "int-word", "int-fraction",
        "int-above", "int-below", "int-400-digits", "int-underscore", "int-fullwidth",
        "float-nan", "float-inf", "float-overflow", "float-hex", "float-above", "float-empty",
        "bool-word", "str-too-long", "str-nul", "str-bidi-override", "ints-too-few",
        "ints-too-many", "ints-word", "ints-above", "ints-absurd-length", "grid-ragged",
        "grid-too-many-rows", "grid-absurd-size", "grid-nan", "grid-huge-entry", "grid-empty",
        "grid-empty-entry"])
def test_decode_refuses_bad_text_with_a_reason(param, raw, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        us.decode(param, raw)


# ------------------------------------------------------------------------------ encode


@pytest.mark.parametrize(("param", "value", "text"), [
    (CHOICE, "fast", "fast"),
    (INT, 7, "7"),
    (INT, np.int64(7), "7"),
    (INT, 7.0, "7"),
    (FLOAT, 2.0, "2"),
    (FLOAT, -0.5, "-0.5"),
    (FLOAT, 1 / 3, "0.3333333333333333"),
    (BOOL, True, "1"),
    (BOOL, np.bool_(False), "0"),
    (INTS, (-3, 4), "-3,4"),
    (INTS, [1, 2], "1,2"),
    (GRID, np.array([[1.0, -1.0], [0.0, 2.0]]), "1,-1;0,2"),
    (GRID, [[0.5]], "0.5"),
], ids=["choice", "int", "numpy-int", "integral-float-as-int", "float-integral",
        "float-negative", "float-shortest-repr", "bool", "numpy-bool", "tuple", "list",
        "grid", "grid-1x1"])
def test_encode_writes_compact_text(param, value, text):
    assert us.encode(param, value) == text


@pytest.mark.parametrize(("param", "value"), [
    (CHOICE, "warp"),
    (INT, 2.5),
    (INT, True),
    (INT, "7"),
    (FLOAT, float("nan")),
    (FLOAT, None),
    (BOOL, 1),
    (STR, 5),
    (INTS, "1,2"),
    (GRID, np.zeros(3)),
    (GRID, np.zeros((0, 2))),
], ids=["choice-unknown", "int-fraction", "int-bool", "int-text", "float-nan", "float-none",
        "bool-int", "str-int", "ints-text", "grid-1d", "grid-empty"])
def test_encode_refuses_values_of_another_kind(param, value):
    with pytest.raises(ValueError):
        us.encode(param, value)


@given(st.integers(3, 12))
def test_int_round_trips(value):
    assert us.decode(INT, us.encode(INT, value)) == value


@given(st.floats(0.0, 10.0, allow_nan=False))
def test_float_round_trips_exactly(value):
    assert us.decode(FLOAT, us.encode(FLOAT, value)) == value


@given(st.integers(1, 7).flatmap(lambda rows: st.integers(1, 7).flatmap(
    lambda cols: st.lists(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=cols,
                                   max_size=cols), min_size=rows, max_size=rows))))
def test_grid_round_trips_exactly(rows):
    grid = np.array(rows, dtype=np.float64)
    np.testing.assert_array_equal(us.decode(GRID, us.encode(GRID, grid)), grid)


def _printable(text: str) -> bool:
    try:
        us.decode(STR, text)
    except ValueError:
        return False
    return True


@given(st.text(max_size=40).filter(_printable))
def test_printable_text_round_trips(text):
    assert us.decode(STR, us.encode(STR, text)) == text


# ------------------------------------------------------------------------------ schema


def test_a_param_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        us.UrlParam("k", "complex", 1)


def test_a_param_refuses_a_default_it_could_not_carry():
    with pytest.raises(ValueError, match="default 20 is not a valid value"):
        us.UrlParam("k", "int", 20, min=0, max=10)


def test_a_choice_needs_choices():
    with pytest.raises(ValueError, match="needs its choices"):
        us.UrlParam("k", "choice", None)


def test_a_schema_refuses_a_url_name_used_twice():
    with pytest.raises(ValueError, match=r"used twice: \['n'\]"):
        us.UrlSchema("x", [INT, us.UrlParam("other", "int", 1, name="n")])


def test_a_schema_refuses_the_app_wide_names():
    with pytest.raises(ValueError, match="reserved"):
        us.UrlSchema("x", [us.UrlParam("x_present", "bool", False, name="present")])


# ------------------------------------------------------------------------------ query → state


def test_a_good_link_sets_every_setting_and_defaults_the_rest():
    parsed = us.parse_query(SCHEMA, {"mode": "fast", "n": "9", "w": "1,-1", "on": "1"})
    updates, problems = us.state_updates(SCHEMA, parsed)
    assert problems == []
    expected = {**DEFAULTS, "t_mode": "fast", "t_n": 9, "t_on": True}
    assert {k: v for k, v in updates.items() if k != "t_w"} == expected
    np.testing.assert_array_equal(updates["t_w"], [[1, -1]])


def test_a_setting_without_default_is_left_alone_when_the_link_lacks_it():
    updates, _ = us.state_updates(SCHEMA, us.parse_query(SCHEMA, {}))
    assert updates == DEFAULTS


@pytest.mark.parametrize(("query", "phrase"), [
    ({"n": "abc"}, "“input size” “abc” is not a whole number"),
    ({"n": "99"}, "“input size” “99” is above 12"),
    ({"mode": "warp"}, "“mode” “warp” is not one of the choices"),
    ({"rng": "1"}, "“rng” “1” needs 2 numbers"),
    ({"zz": "1"}, "“zz” is not a setting of this page"),
    ({"utm_source": "1"}, "“utm\\_source” is not a setting of this page"),
    ({"n": ""}, "“input size” (empty) is not a whole number"),
], ids=["wrong-type", "out-of-range", "unknown-choice", "wrong-count", "unknown-key",
        "unknown-key-underscore", "empty"])
def test_a_bad_setting_gets_its_default_and_a_phrase(query, phrase):
    parsed = us.parse_query(SCHEMA, query)
    updates, problems = us.state_updates(SCHEMA, parsed)
    assert updates == DEFAULTS
    assert problems == [phrase]


def test_the_app_wide_keys_are_not_unknown():
    assert us.parse_query(SCHEMA, {"present": "1"}).problems == []


def test_a_failing_to_state_hook_is_a_problem_not_a_crash():
    def broken(value):
        raise RuntimeError("boom")

    schema = us.UrlSchema("b", [us.UrlParam("b_n", "int", 1, to_state=broken, name="n")])
    updates, problems = us.state_updates(schema, us.parse_query(schema, {"n": "2"}))
    assert updates == {}
    assert problems == ["“n” could not be applied (is not valid)"]


def test_to_state_writes_the_keys_a_widget_keeps_in_step():
    param = us.UrlParam("p_preset", "choice", "a", choices=("a", "b"),
                        to_state=lambda v: {"p_preset": v, "p_text": v.upper()})
    schema = us.UrlSchema("p", [param])
    updates, _ = us.state_updates(schema, us.parse_query(schema, {"p_preset": "b"}))
    assert updates == {"p_preset": "b", "p_text": "B"}


# ------------------------------------------------------------------------------ state → query


def test_defaults_stay_out_of_the_link():
    assert us.query_for_state(SCHEMA, DEFAULTS) == {}


def test_changed_settings_are_written_compactly():
    state = {**DEFAULTS, "t_n": 9, "t_gain": 0.25, "t_rng": (-3, 4),
             "t_w": np.array([[1.0, -1.0], [0.0, 2.0]])}
    assert us.query_for_state(SCHEMA, state) == {"n": "9", "gain": "0.25", "rng": "-3,4",
                                                 "w": "1,-1;0,2"}


@pytest.mark.parametrize(("key", "value"), [
    ("t_n", 99), ("t_n", "9"), ("t_mode", "warp"), ("t_gain", float("inf")),
    ("t_title", "x" * 41), ("t_w", np.zeros((8, 8))), ("t_w", "1,2"),
], ids=["out-of-range", "text-for-int", "unknown-choice", "infinite", "too-long",
        "grid-too-large", "grid-as-text"])
def test_a_value_a_link_cannot_carry_stays_out(key, value):
    assert us.query_for_state(SCHEMA, {**DEFAULTS, key: value}) == {}


def test_when_decides_whether_a_setting_is_written():
    param = us.UrlParam("c_w", "float-grid", None, name="w",
                        when=lambda state: state.get("c_kind") == "custom")
    schema = us.UrlSchema("c", [param])
    weights = np.array([[1.0, 2.0]])
    assert us.query_for_state(schema, {"c_kind": "preset", "c_w": weights}) == {}
    assert us.query_for_state(schema, {"c_kind": "custom", "c_w": weights}) == {"w": "1,2"}


def test_the_link_text_keeps_grids_readable():
    assert us.link_query({"w": "1,-1;0,2", "t": "a b&c"}) == "w=1,-1;0,2&t=a+b%26c"


valid_settings = st.fixed_dictionaries({
    "t_mode": st.sampled_from(CHOICE.choices),
    "t_n": st.integers(3, 12),
    "t_gain": st.floats(0.0, 10.0, allow_nan=False),
    "t_on": st.booleans(),
    "t_title": st.text(alphabet=st.characters(categories=["L", "N", "P", "S", "Zs"]),
                       max_size=40),
    "t_rng": st.tuples(st.integers(-9, 9), st.integers(-9, 9)),
    "t_w": st.integers(1, 7).flatmap(lambda n: st.lists(
        st.lists(st.integers(-9, 9).map(float), min_size=n, max_size=n), min_size=1,
        max_size=7)).map(np.array),
})


@given(valid_settings)
def test_settings_round_trip_through_the_url(state):
    query = us.query_for_state(SCHEMA, state)
    updates, problems = us.state_updates(SCHEMA, us.parse_query(SCHEMA, query))
    assert problems == []
    np.testing.assert_array_equal(updates.pop("t_w"), state["t_w"])
    assert updates == {k: v for k, v in state.items() if k != "t_w"}


# ------------------------------------------------------------------------------ fuzzing


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.one_of(st.sampled_from(["mode", "n", "gain", "on", "title", "rng",
                                                   "w", "present", "lang", "fw"]),
                                 st.text(max_size=20)),
                       st.one_of(st.text(max_size=60), st.text(alphabet="0123456789,;.-e ",
                                                                max_size=60)),
                       max_size=10))
def test_any_query_gives_valid_settings_or_defaults(query):
    parsed = us.parse_query(SCHEMA, query)
    updates, problems = us.state_updates(SCHEMA, parsed)
    for param in SCHEMA.params:
        if param.default is not None:
            assert us.decode(param, us.encode(param, updates[param.key])) == updates[param.key]
    unknown = [n for n in query if n not in SCHEMA.url_names and n not in us.GLOBAL_PARAMS]
    refused = [p for p in SCHEMA.params if p.url_name in query and p.key not in parsed.values]
    assert len(problems) == len(unknown) + len(refused)
    notice = us.notice_text(problems)
    assert NOTICE_SAFE.fullmatch(notice), notice
    assert len(notice) < 1200


@pytest.mark.parametrize("raw", [
    "[click me](https://example.com)", "www.example.com", "<img src=x onerror=alert(1)>",
    ":red[boom]",
    ":material/warning:", "**bold** `code`", "$x^2$", "line\nbreak", "x" * 100_000,
], ids=["markdown-link", "autolink", "html", "color-directive", "material-icon",
        "markdown-emphasis", "latex", "newline", "absurd-length"])
def test_the_notice_quotes_injection_like_text_harmlessly(raw):
    problems = us.parse_query(SCHEMA, {"n": raw, raw[:50]: "1"}).problems
    notice = us.notice_text(problems)
    assert len(problems) == 2
    assert NOTICE_SAFE.fullmatch(notice), notice
    assert "://" not in notice and "](" not in notice and "www." not in notice
    assert len(notice) < 400


def test_the_notice_lists_at_most_five_problems():
    problems = [f"p{i}" for i in range(8)]
    assert us.notice_text(problems) == (
        "This link had settings that could not be used (p0; p1; p2; p3; p4; and 3 more); "
        "the defaults are shown instead.")


# ------------------------------------------------------------------------------ shared widgets


def _by_name(params):
    return {p.url_name: p for p in params}


def test_kernel_params_open_a_preset_with_its_weights():
    params = us.kernel_params("sw_k")
    schema = us.UrlSchema("sw", params)
    updates, problems = us.state_updates(schema, us.parse_query(schema, {"k": "sobel_x"}))
    assert problems == []
    assert updates["sw_k_preset"] == "sobel_x"
    np.testing.assert_array_equal(updates["sw_k_valid"], get_kernel("sobel_x").array)
    assert updates["sw_k_text"] == controls.format_grid(get_kernel("sobel_x").array)


def test_kernel_params_open_typed_weights_as_a_custom_kernel():
    schema = us.UrlSchema("sw", us.kernel_params("sw_k"))
    updates, problems = us.state_updates(schema, us.parse_query(schema, {"kw": "1,-1"}))
    assert problems == []
    assert updates["sw_k_preset"] == controls.CUSTOM
    assert updates["sw_k_text"] == "1  -1"
    np.testing.assert_array_equal(updates["sw_k_valid"], [[1.0, -1.0]])


def test_a_custom_kernel_without_usable_weights_starts_from_the_default():
    # The editor needs its text and last valid kernel whenever the preset is set.
    schema = us.UrlSchema("sw", us.kernel_params("sw_k", default="d2l"))
    parsed = us.parse_query(schema, {"k": "custom", "kw": "6,,.386"})
    updates, problems = us.state_updates(schema, parsed)
    assert problems == ["“kernel weights” “6,,.386” is not a number"]
    assert updates["sw_k_preset"] == controls.CUSTOM
    assert updates["sw_k_text"] == controls.format_grid(get_kernel("d2l").array)
    np.testing.assert_array_equal(updates["sw_k_valid"], get_kernel("d2l").array)


def test_kernel_params_write_weights_only_for_a_custom_kernel():
    schema = us.UrlSchema("sw", us.kernel_params("sw_k"))
    weights = np.array([[1.0, -1.0]])
    preset = {"sw_k_preset": "sobel_x", "sw_k_valid": weights}
    assert us.query_for_state(schema, preset) == {"k": "sobel_x"}
    custom = {"sw_k_preset": "custom", "sw_k_valid": weights}
    assert us.query_for_state(schema, custom) == {"k": "custom", "kw": "1,-1"}


def test_kernel_params_offer_every_preset():
    preset = _by_name(us.kernel_params("sw_k"))["k"]
    assert set(preset.choices) == {*kernel_names(), controls.CUSTOM}


def test_conv_params_use_the_widget_keys_and_ranges_of_conv_settings():
    params = _by_name(us.conv_params("ps", short="c"))
    assert params["cpad"].key == "ps_padding"
    assert set(params["cpad"].choices) == set(controls.PADDING_CHOICES)
    assert (params["csh"].key, params["csh"].min, params["csh"].max) == ("ps_stride_h", 1, 8)
    assert params["cdw"].key == "ps_dilation_w"
    assert params["cpt"].when({"ps_padding": "custom"})
    assert not params["cpt"].when({"ps_padding": "same"})


def test_input_params_carry_typed_values_as_a_grid():
    schema = us.UrlSchema("sw", us.input_params("sw_in"))
    updates, problems = us.state_updates(schema, us.parse_query(schema, {"x": "1,2;3,4"}))
    assert problems == []
    assert updates["sw_in_source"] == "typed"
    assert updates["sw_in_text"] == "1  2\n3  4"
    written = us.query_for_state(schema, {"sw_in_source": "typed",
                                          "sw_in_valid": np.array([[1.0, 2.0], [3.0, 4.0]])})
    assert written == {"src": "typed", "x": "1,2;3,4"}


def test_input_params_refuse_a_typed_grid_larger_than_the_editor_allows():
    schema = us.UrlSchema("sw", us.input_params("sw_in"))
    big = ";".join([",".join(["1"] * 33)] * 2)
    assert us.parse_query(schema, {"x": big}).problems == [
        "“input values” “1,1,1,1,1,1,1,1,1,1,1,1,1,1,1…” is not a grid of 1 to 32 rows and "
        "columns"]
