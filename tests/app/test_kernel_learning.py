"""AppTest for the kernel-learning page, reached through app.py's navigation.

AppTest does not run the fragment's timer: while training plays, every ``at.run()`` is one
refresh of the live loop (one step per refresh for the seeds' ten steps).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/kernel_learning.py"
TIMEOUT = 120  # the machine is shared; first runs build figures


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def chart(at: AppTest, title_start: str):
    """(spec, data frame) of the Vega-Lite chart whose title starts with ``title_start``."""
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        if spec.get("title", {}).get("text", "").startswith(title_start):
            table = pa.ipc.open_stream(element.proto.data.data).read_all()
            return spec, table.to_pandas()
    raise AssertionError(f"no chart titled {title_start!r}")


def play_until_stopped(at: AppTest, limit: int = 40) -> None:
    for _ in range(limit):
        if metrics(at)["Status"] != "playing":
            return
        at.run()
    raise AssertionError("training kept playing")


def test_page_opens_on_the_seeds_experiment():
    at = open_page()
    assert metrics(at)["Step"] == "0 / 10"
    assert at.number_input(key="kl_lr").value == pytest.approx(0.03)
    assert at.button(key="kl_pause").disabled
    assert not at.button(key="kl_start").disabled
    spec, data = chart(at, "Loss")
    assert list(data["step"]) == [0]
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [0, 10]  # fixed for the run
    _, kernel = chart(at, "Kernel K")
    assert len(kernel) == 2  # a 1×2 kernel
    assert any("0.0333" in c.value for c in at.caption)  # the stable limit 2/λmax = 2/60
    # No emoji in the title: Debian's Chromium (and many classroom machines) draws it as an
    # empty box (issue 9 item 13, issue 11).
    assert at.title[0].value == "Kernel learning"


def test_seeds_run_plays_slowly_enough_to_narrate_and_speed_is_adjustable():
    at = open_page()
    assert at.select_slider(key="kl_speed").value == "normal"
    assert any(c.value == "2 steps per second" for c in at.caption)  # 10 steps take ~5 s
    at.select_slider(key="kl_speed").set_value("fast").run()
    assert any(c.value == "5 steps per second" for c in at.caption)
    at.number_input(key="kl_steps").set_value(1000).run()  # long runs take bigger strides
    assert any(c.value == "250 steps per second" for c in at.caption)


def test_start_pause_step_reset():
    at = open_page()
    initial_loss = metrics(at)["Loss"]
    at.button(key="kl_start").click().run()
    assert metrics(at)["Step"] == "1 / 10"
    assert metrics(at)["Status"] == "playing"
    at.run()
    at.run()
    assert metrics(at)["Step"] == "3 / 10"
    _, data = chart(at, "Loss")
    assert list(data["step"]) == [0, 1, 2, 3]
    assert np.all(np.diff(data["loss"]) < 0)

    at.button(key="kl_pause").click().run()
    assert metrics(at)["Status"] == "paused"
    at.run()
    assert metrics(at)["Step"] == "3 / 10"  # paused: reruns do not train

    at.button(key="kl_step").click().run()
    assert metrics(at)["Step"] == "4 / 10"
    at.button(key="kl_start").click().run()  # resume where it stopped
    assert metrics(at)["Step"] == "5 / 10"

    at.button(key="kl_reset").click().run()
    assert metrics(at)["Step"] == "0 / 10"
    assert metrics(at)["Loss"] == initial_loss
    assert not at.exception


def test_ten_steps_find_the_edge_kernel():
    at = open_page()
    at.button(key="kl_start").click().run()
    play_until_stopped(at)
    assert metrics(at)["Step"] == "10 / 10"
    assert metrics(at)["Status"] == "done"
    assert at.button(key="kl_start").disabled and at.button(key="kl_step").disabled
    _, kernel = chart(at, "Kernel K")
    assert np.max(np.abs(kernel["value"].to_numpy() - [1.0, -1.0])) < 0.15
    _, loss = chart(at, "Loss")
    assert loss["loss"].iloc[-1] < loss["loss"].iloc[0] / 10
    # More steps continue the same run.
    at.number_input(key="kl_steps").set_value(12).run()
    assert metrics(at)["Step"] == "10 / 12"
    assert not at.button(key="kl_start").disabled


def test_diverging_rate_stops_with_a_message_and_a_suggestion():
    at = open_page()
    at.number_input(key="kl_lr").set_value(0.1).run()
    at.button(key="kl_start").click().run()
    play_until_stopped(at)
    assert not at.exception
    assert metrics(at)["Status"] == "diverged"
    [error] = at.error
    assert "diverged" in error.value and "0.0333" in error.value and "0.0167" in error.value
    assert at.button(key="kl_start").disabled
    # The app stays usable: take the suggested rate and train.
    at.button(key="kl_use_suggested").click().run()
    assert at.number_input(key="kl_lr").value == pytest.approx(0.0167)
    assert metrics(at)["Step"] == "0 / 10" and not at.error
    at.button(key="kl_start").click().run()
    play_until_stopped(at)
    assert metrics(at)["Status"] == "done"


def test_changing_the_kernel_size_starts_a_new_run():
    at = open_page()
    at.button(key="kl_step").click().run()
    assert metrics(at)["Step"] == "1 / 10"
    at.selectbox(key="kl_kernel_size").select("2×2").run()
    assert metrics(at)["Step"] == "0 / 10"
    _, kernel = chart(at, "Kernel K")
    assert len(kernel) == 4
    # The book's image is the same in every row: only the column sums of a 2×2 are determined.
    assert any("only 2 of the 4" in w.value for w in at.warning)


def test_log_scale_and_bias():
    at = open_page()
    at.toggle(key="kl_log").set_value(True).run()
    spec, _ = chart(at, "Loss")
    assert spec["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"
    at.checkbox(key="kl_bias").check().run()
    at.button(key="kl_step").click().run()
    assert "Bias b" in metrics(at)
    assert not at.exception


@pytest.mark.parametrize(
    ("experiment", "steps", "expect"),
    [
        pytest.param("photo", 1000, "", id="photo"),
        pytest.param("constant", 100, "only 1 of the 9", id="constant-image"),
        pytest.param("bigger", 1000, "lowest reachable loss", id="larger-true-kernel"),
    ],
)
def test_harder_experiments(experiment, steps, expect):
    at = open_page()
    at.selectbox(key="kl_experiment").select(experiment).run()
    assert not at.exception
    assert metrics(at)["Step"] == f"0 / {steps}"
    lr = at.number_input(key="kl_lr").value
    assert 0 < lr < 0.01  # set from the new problem's curvature, not the book's 0.03
    at.button(key="kl_start").click().run()
    at.run()
    state = metrics(at)
    assert state["Status"] == "playing"
    if experiment == "photo":
        _, errors = chart(at, "Distance to the true kernel")
        assert errors["error"].iloc[-1] < errors["error"].iloc[0]
        assert state["‖K − K_true‖"] != "—"
    if experiment == "constant":
        assert any(expect in w.value for w in at.warning)
    if experiment == "bigger":
        spec, _ = chart(at, "Loss")
        labels = [layer.get("data", {}).get("values", [{}])[0].get("label", "") for layer in
                  spec["layer"]]
        assert any(expect in label for label in labels)
        assert state["‖K − K_true‖"] == "—"


def _rest_of_the_page_is_there(at: AppTest) -> None:
    """Learning rate, steps, the run's buttons and the live charts are all drawn."""
    assert at.number_input(key="kl_lr").value > 0
    assert at.number_input(key="kl_steps").value > 0
    for key in ("kl_start", "kl_pause", "kl_step", "kl_reset"):
        at.button(key=key)  # raises KeyError when the button is missing
    chart(at, "Loss")
    chart(at, "Kernel K")
    assert "Step" in metrics(at)


def test_custom_kernel_typo_keeps_the_last_valid_kernel_and_the_page():
    """Issue 9 item 7: one typo used to stop the page under the text box."""
    at = open_page()
    at.selectbox(key="kl_experiment").select("photo").run()
    at.selectbox(key="kl_true").select("custom").run()
    at.text_area(key="kl_custom").input("1 0 -1\n2 0 -2\n1 0 1").run()  # valid: the new truth
    at.button(key="kl_step").click().run()
    assert metrics(at)["Step"] == "1 / 1000"
    at.text_area(key="kl_custom").input("1 0 -1\n2 x -2\n1 0 1").run()
    assert not at.exception
    [error] = at.error
    assert "not a number" in error.value
    assert "Keeping the last valid 3×3 kernel" in error.value
    _rest_of_the_page_is_there(at)
    # The run goes on with the last valid kernel: same run, nothing reset.
    assert metrics(at)["Step"] == "1 / 1000"
    at.button(key="kl_step").click().run()
    assert metrics(at)["Step"] == "2 / 1000"
    # Fixing the typo with a different kernel starts a new run on it, and the error goes.
    at.text_area(key="kl_custom").input("0 0 0\n0 1 0\n0 0 0").run()
    assert not at.error
    assert metrics(at)["Step"] == "0 / 1000"


def test_custom_kernel_that_does_not_fit_the_learned_size_keeps_the_page():
    at = open_page()
    at.selectbox(key="kl_experiment").select("photo").run()
    at.selectbox(key="kl_true").select("custom").run()
    at.text_area(key="kl_custom").input("1 2 3 2 1").run()  # 1×5 against a 3×3 learned kernel
    assert not at.exception
    [error] = at.error
    assert "cannot make a target here" in error.value and "one must fit inside" in error.value
    _rest_of_the_page_is_there(at)


def test_custom_kernel_typo_is_said_above_the_charts_in_presenter_mode():
    at = open_page()
    at.selectbox(key="kl_experiment").select("photo").run()
    at.selectbox(key="kl_true").select("custom").run()
    at.toggle(key="presenter").set_value(True).run()
    at.text_area(key="kl_custom").input("1 0 -1\n2 x").run()
    assert not at.exception
    said = [e for e in at.main.error if "Keeping the last valid" in e.value]
    assert len(said) == 2  # in the folded settings, and above the run's buttons
    _rest_of_the_page_is_there(at)


def test_two_engines_agree():
    at = open_page()
    at.button(key="kl_compare_run").click().run()
    assert not at.exception
    difference = [m for m in at.metric if m.label.startswith("Largest difference")]
    assert len(difference) == 1
    assert float(difference[0].value) < 1e-10
    assert any("exactly the gradient" in s.value for s in at.success)


def test_torch_is_imported_only_by_the_comparison():
    # A fresh interpreter: the page and its training must not import torch; the comparison does.
    script = textwrap.dedent(
        f"""
        import sys
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout={TIMEOUT}).run()
        at.switch_page({PAGE!r}).run()
        at.button(key="kl_start").click().run()
        at.run()
        before = "torch" in sys.modules
        at.button(key="kl_compare_run").click().run()
        print(before, "torch" in sys.modules, bool(at.exception))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["False", "True", "False"]


def test_visiting_another_page_keeps_the_run_and_its_settings():
    at = open_page()
    at.number_input(key="kl_lr").set_value(0.02).run()
    at.button(key="kl_step").click().run()
    at.button(key="kl_step").click().run()
    assert metrics(at)["Step"] == "2 / 10"
    at.switch_page("app_pages/home.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.number_input(key="kl_lr").value == pytest.approx(0.02)
    assert metrics(at)["Step"] == "2 / 10"


def test_slide_exports_are_offered_without_buttons_in_them():
    """Issue 9 item 14: a 1280-px PNG of the current step and a GIF of the run, drawn from
    the run's numbers (the page's buttons are not part of them)."""
    at = open_page()
    labels = {b.proto.label: b.proto for b in at.get("download_button")}
    assert {"Current step (PNG)", "The run so far (GIF)"} <= set(labels)
    assert any("1280 pixels wide" in c.value for c in at.caption)
    at.button(key="kl_start").click().run()
    labels = {b.proto.label: b.proto for b in at.get("download_button")}
    assert labels["The run so far (GIF)"].disabled  # not while the run plays
