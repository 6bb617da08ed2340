"""The kernel-learning charts and exports (issue 9 items 1 and 14, issue 12).

Runs without a server: the builders are pure (language chosen with ``use_language``).
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from convcore import learn
from ui import figures_learning as lf
from ui.figures import TITLE_PX
from ui.i18n import use_language


@pytest.fixture(scope="module")
def seeds_run() -> learn.TrainState:
    """The seeds' ten steps (d2l's edge image, learning rate 0.03)."""
    problem = learn.make_problem(learn.seed_image(), learn.SEED_KERNEL, (1, 2))
    config = learn.TrainConfig(lr=0.03, kernel_shape=(1, 2), max_steps=10)
    return learn.train(problem.x, problem.y, config)


# ---------------------------------------------------------------- the loss and distance charts


@pytest.mark.parametrize("log_scale", [False, True], ids=["linear", "log"])
def test_scales_leave_room_for_the_step_0_dot(seeds_run, log_scale):
    """The step-0 loss is the largest: on a scale that ends at it, its dot sat on the plot's
    top edge and on the y axis (issue 9 item 14)."""
    spec = lf.loss_chart(seeds_run.losses, log_scale=log_scale, max_steps=10).spec
    encoding = spec["layer"][0]["encoding"]
    assert encoding["y"]["scale"]["padding"] >= lf.POINT_ROOM_PX > 0
    assert encoding["x"]["scale"]["padding"] >= lf.POINT_ROOM_PX
    assert encoding["x"]["scale"]["domain"] == [0, 10]  # still fixed for the whole run
    if not log_scale:  # a rounded ("nice") domain turned the room below 0 into a −1 tick
        assert encoding["y"]["scale"]["nice"] is False and encoding["y"]["scale"]["zero"]


def test_distance_chart_is_titled_inside_its_frame():
    spec = lf.error_chart([1.0, 0.5, 0.25], max_steps=10).spec
    title = spec["title"]
    assert title["frame"] == "group" and title["limit"] == 0  # never shortened with "…"
    assert spec["autosize"]["contains"] == "padding"
    assert spec["padding"]["top"] >= 8 and spec["padding"]["left"] >= 8
    # The log-scale note is in the title, not in a y-axis title longer than the plot.
    y_title = spec["layer"][0]["encoding"]["y"]["title"]
    assert len(y_title) <= 16 and "log" in title["text"]


@pytest.mark.parametrize("presenting", [False, True], ids=["normal", "presenter"])
def test_presenter_sizes_reach_24_px(presenting):
    sizes = lf.chart_sizes(presenting)
    spec = lf.kernel_chart(np.array([[0.19, -12.84], [4.93, 0.5]]), "Kernel K",
                           sizes=sizes).spec
    text_layer = spec["layer"][1]
    font = text_layer["mark"]["fontSize"]
    if presenting:
        assert spec["title"]["fontSize"] >= 24 and font >= 24
        assert sizes.axis_title_px >= 24
        # A 24-px "−12.84" needs about 80 px: the cells are large enough to hold it.
        assert spec["width"]["step"] >= 80
    else:
        assert spec["title"]["fontSize"] == 15


def test_charts_speak_chinese(seeds_run):
    with use_language("zh"):
        loss = lf.loss_chart(seeds_run.losses, max_steps=10, best_loss=0.5).spec
        error = lf.error_chart([1.0, 0.5], max_steps=10).spec
        kernel = lf.kernel_chart(np.eye(2), "卷积核 K").spec
    assert loss["title"]["text"].startswith("损失")
    assert loss["layer"][0]["encoding"]["x"]["title"] == "步"
    assert "可达到的最低损失" in loss["layer"][1]["data"]["values"][0]["label"]
    assert error["title"]["text"].startswith("与真实卷积核的距离")
    tooltip = kernel["layer"][0]["encoding"]["tooltip"]
    assert [t["title"] for t in tooltip] == ["行", "列", "值"]


# ---------------------------------------------------------------- the data figure


def test_data_figure_titles_clear_the_column_numbers():
    """Panel titles sat on the column numbers printed above each grid (issue 9 item 14)."""
    fig = lf.data_figure(learn.seed_image(), np.zeros((6, 7)))
    for annotation in fig.layout.annotations:
        assert annotation.yshift >= 20 + lf.TITLE_CLEARANCE_PX
    assert fig.layout.margin.t >= TITLE_PX + 10 + lf.TITLE_CLEARANCE_PX
    # Natural width within its column: a wider figure was shrunk, leaving blank height.
    assert fig.layout.width <= lf.DATA_FIGURE_PX


# ---------------------------------------------------------------- exports for slides


def _frames(data: bytes) -> list[Image.Image]:
    image = Image.open(io.BytesIO(data))
    frames = []
    for k in range(getattr(image, "n_frames", 1)):
        image.seek(k)
        frames.append(image.convert("RGB"))
    return frames


def test_gif_is_a_slide_wide_and_shows_every_step(seeds_run):
    with use_language("en"):
        data = lf.run_gif(seeds_run.losses, np.array(seeds_run.kernels),
                          titles=lf.export_titles())
    frames = _frames(data)
    assert frames[0].size == (1280, 720)  # was 518 px wide
    assert len(frames) == 11  # steps 0…10


def test_png_is_the_current_step_without_buttons(seeds_run):
    """The PNG holds the loss curve and the kernel only: drawn from the run's numbers, not
    a capture of the page (which included the play buttons)."""
    with use_language("en"):
        data = lf.run_png(seeds_run.losses, np.array(seeds_run.kernels),
                          titles=lf.export_titles())
    [image] = _frames(data)
    assert image.size == (lf.EXPORT_WIDTH_PX, lf.EXPORT_HEIGHT_PX)
    pixels = np.asarray(image).reshape(-1, 3)
    colours = {tuple(p) for p in pixels[:: 7]}
    assert lf._rgb(lf.LOSS_COLOR) in colours  # the curve
    # The last kernel's cells, each in its colour (about [1, −1]: dark blue, dark red).
    kernel = seeds_run.kernel.ravel()
    for value in kernel:
        assert lf._shade_rgb(value / np.abs(kernel).max()) in colours
    # No Streamlit primary-button blue anywhere (the page's Start button).
    assert (33, 100, 169) not in colours and (255, 75, 75) not in colours


def test_long_runs_are_sampled_with_first_and_last_step():
    steps = lf.gif_steps(1000)
    assert len(steps) <= lf.MAX_EXPORT_FRAMES
    assert steps[0] == 0 and steps[-1] == 1000
    assert steps == sorted(set(steps))
    assert lf.gif_steps(10) == list(range(11))


@pytest.mark.parametrize(
    ("losses", "kernels", "message"),
    [
        pytest.param([], np.zeros((0, 1, 2)), "loss of step 0", id="empty"),
        pytest.param([1.0, 0.5], np.zeros((3, 1, 2)), "one kernel per step", id="mismatch"),
        pytest.param([1.0], np.zeros((1, 2)), "one kernel per step", id="not-a-stack"),
    ],
)
def test_exports_refuse_inconsistent_runs(losses, kernels, message):
    with pytest.raises(ValueError, match=message):
        lf.run_png(losses, kernels, titles=lf.export_titles())


def test_run_summary_says_what_the_charts_show(seeds_run):
    text = lf.run_summary(seeds_run.losses, seeds_run.kernel, seeds_run.grad_kernel)
    assert text.startswith("Step 10: loss ")
    assert f"{seeds_run.losses[0]:.4g}" in text
    k = seeds_run.kernel.ravel()
    assert f"[{k[0]:.3g}, −{abs(k[1]):.3g}]" in text


def test_tables_carry_the_charts_numbers(seeds_run):
    assert lf.grid_labels((1, 2)) == (["row 0"], ["column 0", "column 1"])
    errors = [learn.kernel_error(k, np.array([[1.0, -1.0]])) for k in seeds_run.kernels]
    table = lf.loss_table(seeds_run.losses, errors)
    assert list(table.columns) == ["step", "loss", "‖K − K_true‖"]
    assert table["loss"].tolist() == list(seeds_run.losses)
    assert len(table) == 11 and table["‖K − K_true‖"].iloc[-1] < 0.15
    assert list(lf.loss_table(seeds_run.losses).columns) == ["step", "loss"]
    with use_language("zh"):
        assert lf.grid_labels((2, 2))[1] == ["第 0 列", "第 1 列"]
