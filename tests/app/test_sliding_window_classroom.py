"""Issue 9 on the sliding-window page, in class conditions (AppTest through app.py).

Each test would have caught one of the defects seen in class:

- item 1: presenter mode keeps one row of controls (input, kernel, padding) and folds the
  rest; the main figure is the scaled animation;
- item 2: while the quiz hides output (0, 0), nothing on the page shows it — not the kernel
  caption, not the input preset's name, not the edge section's Y;
- item 3: a prepared link restores the edge section's transpose and the pinned cell;
- item 4: a link to the session's photo opened in a session without one says so in one
  sentence and offers the upload;
- item 5: following a patch keeps the kernel handed over with it, and the d2l caption no
  longer claims 19…43 on the patch; the patch's cells print their numbers;
- item 6: on a 28×28 input the kernel of "Inspect a cell" is drawn apart, large enough to
  print its weights, and no panel titles share a figure with a too-narrow kernel;
- item 8: "Animate" with the transpose on animates Xᵀ.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from convcore import corr2d
from ui import controls, image_source, state

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120
SLIDING = "app_pages/sliding_window.py"
ANSWERS = ("19", "25", "37", "43")


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    at.switch_page(SLIDING).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> dict[str, dict]:
    """Every Plotly figure on the page by the end of its widget id."""
    return {e.proto.id.rsplit("-", 1)[-1]: json.loads(e.proto.spec)
            for e in at.get("plotly_chart")}


def chart(at: AppTest, key: str) -> dict:
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith(key):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart with key {key!r}")


def panel_names(spec: dict) -> list[str]:
    return list(spec["layout"]["meta"]["panels"])


def steps_text(at: AppTest) -> list[str]:
    blocks = [c.value for c in at.code if c.value.startswith("out[")]
    assert blocks, "no arithmetic on the page"
    return blocks[0].splitlines()


def every_text(at: AppTest) -> str:
    """All text a reader sees outside the figures: captions, markdown, labels, options."""
    parts = [e.value for kind in ("caption", "markdown", "success", "info", "warning")
             for e in getattr(at, kind)]
    for box in at.selectbox:
        parts += [box.label, *box.options]
    return "\n".join(str(p) for p in parts)


def give_image(at: AppTest) -> None:
    """Make a bundled sample the session's image, as Your image does."""
    session: dict = {}
    image_source.set_current_sample("house.png", session=session)
    for key, value in session.items():
        at.session_state[key] = value


# ------------------------------------------------------------------------------ item 1


def test_presenter_mode_keeps_one_row_of_controls_and_scales_the_animation():
    at = open_page({"present": "1"})
    (folded,) = [e for e in at.expander if e.label == ":material/tune: More settings"]
    # In the row: input preset, kernel preset, padding — nothing else.
    row_keys = ({w.key for w in at.selectbox} | {w.key for w in at.radio}
                | {w.key for w in at.number_input} | {w.key for w in at.text_area})
    folded_keys = ({w.key for w in folded.selectbox} | {w.key for w in folded.radio}
                   | {w.key for w in folded.number_input} | {w.key for w in folded.text_area})
    assert {"sw_in_source", "sw_k_text", "sw_geo_stride_h", "sw_geo_stride_w",
            "sw_geo_dilation_h", "sw_geo_padding_mode", state.SW_BIAS,
            state.SW_OPERATION} <= folded_keys
    assert {"sw_in_preset", "sw_k_preset", "sw_geo_padding"} <= row_keys - folded_keys
    spec = chart(at, state.SW_ANIMATION_CHART)
    assert spec["layout"]["meta"]["cell_px"] >= 56
    title_sizes = [a["font"]["size"] for a in spec["layout"]["annotations"]
                   if "font" in a and "size" in a["font"]]
    assert title_sizes and min(title_sizes) >= 24


# ------------------------------------------------------------------------------ item 2


def test_the_quiz_hides_every_place_its_answer_appears():
    at = open_page()
    assert "19, 25, 37 and 43" in every_text(at)  # the caption says it when no quiz is open
    at.toggle(key="quiz_sw").set_value(True).run()
    assert not at.exception
    text = every_text(at)
    assert not any(answer in text for answer in ANSWERS), text
    assert "19…43" not in text
    assert panel_names(chart(at, state.SW_EDGE_CHART)) == ["input", "kernel"]
    assert state.SW_ANIMATION_CHART not in "".join(charts(at))
    # Answered: everything comes back.
    at.text_input(key="quiz_sw_cell_in").input("19").run()
    at.button(key="quiz_sw_cell_check").click().run()
    assert "19, 25, 37 and 43" in every_text(at)
    assert panel_names(chart(at, state.SW_EDGE_CHART)) == ["input", "kernel", "output"]


# ------------------------------------------------------------------------------ item 3


def test_a_link_restores_the_edge_transpose_and_the_picked_cell():
    at = open_page()
    at.toggle(key=state.SW_EDGE_TRANSPOSED).set_value(True).run()
    at.number_input(key="sw_cell_row").set_value(1).run()
    at.number_input(key="sw_cell_col").set_value(0).run()
    link = {name: at.query_params[name] for name in at.query_params}
    assert link.get("et") in ("1", "true") and link.get("cell") == "output:1:0", link
    fresh = open_page(link)
    assert fresh.toggle(key=state.SW_EDGE_TRANSPOSED).value is True
    assert fresh.session_state[state.SW_PICK] == ("output", 1, 0)
    assert any("Output cell (1, 0)" in h.proto.body and "37" in h.proto.body
               for h in fresh.get("html"))


def test_a_bad_picked_cell_in_a_link_gets_the_notice_not_a_traceback():
    at = open_page({"cell": "output:one:2"})
    assert at.session_state[state.SW_PICK] == ("output", 0, 0)
    assert any("picked cell" in i.value for i in at.info)


# ------------------------------------------------------------------------------ item 4


def test_a_link_to_a_lost_photo_says_so_and_offers_the_upload():
    at = open_page({"isrc": "session"})
    # The one sentence every page says (ui.image_source.UPLOAD_GONE); it was a warning of
    # its own here, worded differently from Your image's and channels' (issue 9).
    assert [i.value for i in at.info] == [image_source.UPLOAD_GONE]
    assert at.radio(key="sw_in_source").value == "preset"
    uploader = at.get("file_uploader")
    assert any(u.proto.id.endswith("sw_in_lost_upload") for u in uploader)


# ------------------------------------------------------------------------------ item 5


def test_following_a_patch_keeps_its_kernel_and_a_true_caption(monkeypatch):
    at = open_page()
    at.session_state[image_source.REQUEST_KEY] = SLIDING
    give_image(at)
    handed = SimpleNamespace(name="sobel_x", label="Sobel x",
                             weights=((-1.0, 0.0, 1.0), (-2.0, 0.0, 2.0), (-1.0, 0.0, 1.0)))
    monkeypatch.setattr(image_source, "patch_kernel", lambda session=None: handed,
                        raising=False)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="sw_in_source").value == "session"
    assert at.selectbox(key="sw_k_preset").value == "sobel_x"
    # A custom kernel handed over arrives as its weights.
    at.session_state[image_source.REQUEST_KEY] = SLIDING
    handed = SimpleNamespace(name="custom", label="custom", weights=((1.0, -2.0),))
    monkeypatch.setattr(image_source, "patch_kernel", lambda session=None: handed,
                        raising=False)
    at.run()
    assert at.selectbox(key="sw_k_preset").value == "custom"
    np.testing.assert_array_equal(at.session_state["sw_k_valid"], [[1.0, -2.0]])
    # The d2l kernel on a patch: no claim about the 3×3 input's outputs.
    at.selectbox(key="sw_k_preset").select("d2l").run()
    assert "19, 25, 37 and 43" not in every_text(at)
    assert any("0 × its window's top-left" in c.value for c in at.caption)


def test_a_patch_prints_its_numbers_in_the_animation():
    at = open_page()
    give_image(at)
    at.run()
    at.radio(key="sw_in_source").set_value("session").run()
    assert not at.exception
    spec = chart(at, state.SW_ANIMATION_CHART)
    (values,) = [t for t in spec["data"] if t.get("name") == "input:values"]
    assert values.get("texttemplate") or values.get("text"), "the patch's cells print no numbers"
    assert "central 12×12 cells" in every_text(at)


# ------------------------------------------------------------------------------ item 6


def test_a_large_input_draws_the_inspected_kernel_apart_with_its_weights():
    at = open_page()
    at.selectbox(key="sw_in_preset").select("mnist").run()
    at.selectbox(key="sw_k_preset").select("sobel_x").run()
    assert not at.exception
    main = chart(at, state.SW_INSPECT_CHART)
    assert panel_names(main) == ["input", "output"]
    kernel = chart(at, "sw_inspect_kernel")
    assert panel_names(kernel) == ["kernel"]
    assert kernel["layout"]["meta"]["cell_px"] >= 40
    values = next(t for t in kernel["data"] if t.get("name") == "kernel:values")
    assert values.get("texttemplate") or values.get("text")
    # Two panels only: each title fits over its own grid (28 and 26 cells wide).
    assert main["layout"]["meta"]["cell_px"] * 26 > 120


def test_a_small_input_keeps_the_kernel_between_input_and_output():
    at = open_page()
    assert panel_names(chart(at, state.SW_INSPECT_CHART)) == ["input", "kernel", "output"]


# ------------------------------------------------------------------------------ item 8


@pytest.mark.parametrize("transposed", [False, True], ids=["X", "X-transposed"])
def test_animate_loads_the_edge_image_shown(transposed):
    at = open_page()
    at.toggle(key=state.SW_EDGE_TRANSPOSED).set_value(transposed).run()
    at.button(key="sw_edge_load").click().run()
    assert not at.exception
    x = controls.edge_image().T if transposed else controls.edge_image()
    y = corr2d(x, np.array([[1.0, -1.0]]))
    lines = steps_text(at)
    assert len(lines) == y.size
    assert all(line.endswith(f"= {int(v)}" if v >= 0 else f"= −{int(-v)}")
               for line, v in zip(lines, y.ravel(), strict=True))


# ------------------------------------------------------------------------------ item 1, large


def test_presenter_mode_keeps_a_16x16_patch_s_numbers_and_step_text_readable():
    """Issue 9 item 1 on a 16×16 photo patch at 1280×720: the enlarged column numbers no
    longer turn on their side into "Input 16×16" (every 2nd/5th column is numbered, level),
    and the step sum with decimals is wrapped at its " + " instead of running out of the
    figure (the browser checks: tests/e2e/test_presenter_layout.py -k patch16)."""
    at = open_page({"isrc": "patch", "ips": "16", "present": "1"})
    spec = chart(at, state.SW_ANIMATION_CHART)
    layout = spec["layout"]
    step = layout["annotations"][0]["text"]
    assert step.startswith("out[0, 0] = ") and "<br>+ " in step, step
    width = 760 - 16  # sliding_window.PROJECTOR_CONTENT_PX less a margin
    size = layout["annotations"][0]["font"]["size"]
    assert size >= 24
    assert all(0.6 * size * len(line) <= width for line in step.split("<br>")), step
    frames = spec.get("frames", [])
    assert frames and all("<br>" in f["layout"]["annotations"][0]["text"] for f in frames[:3])
    input_axis = layout["xaxis"]
    assert input_axis["tickangle"] == 0
    assert list(input_axis["tickvals"])[:3] in ([0, 2, 4], [0, 5, 10]), input_axis["tickvals"]
