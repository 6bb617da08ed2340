"""Shared caches: one build per process for equal arguments, and the right pictures."""

from __future__ import annotations

import io
import json

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from convcore import conv2d, get_kernel
from ui import figures as F
from ui import shared_cache


def test_equal_arguments_share_one_figure_and_others_get_their_own():
    x = np.arange(12.0).reshape(3, 4)
    first = shared_cache.figure(F.grid_figure, [F.Panel(x, "x", name="x")], max_cell_px=40)
    again = shared_cache.figure(F.grid_figure, [F.Panel(x.copy(), "x", name="x")],
                                max_cell_px=40)
    other = shared_cache.figure(F.grid_figure, [F.Panel(x + 1, "x", name="x")], max_cell_px=40)
    assert again is first
    assert other is not first
    assert list(first.data[0].z[0]) == [0.0, 1.0, 2.0, 3.0]
    assert list(other.data[0].z[0]) == [1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize(("kernel", "kind"), [
    pytest.param("identity", "gray", id="picture-like-map-is-gray"),
    pytest.param("sobel_x", "diverging", id="signed-map-is-diverging"),
])
def test_photo_pictures_are_pngs_of_the_shrunk_photo_and_map(kernel, kind):
    rng = np.random.default_rng(0)
    gray = rng.random((60, 80))
    out = conv2d(gray, get_kernel(kernel).array, padding="same")
    photo_png, map_png, got_kind = shared_cache.photo_pictures(
        ("test", kernel), gray, out, 40)
    photo, feature_map = Image.open(io.BytesIO(photo_png)), Image.open(io.BytesIO(map_png))
    assert photo.format == feature_map.format == "PNG"
    assert photo.size == (40, 30) and feature_map.size == (40, 30)  # (width, height)
    assert photo.mode == "L" and feature_map.mode == "RGB"
    assert got_kind == F.color_scale_for(out, image=True).kind == kind


def test_a_figure_is_cached_per_language():
    """A builder that translates its title: the Chinese session must not get the English copy."""
    from ui import figures, i18n
    from ui.i18n import _

    def titled(text):
        return go.Figure(layout=dict(title=_(text)))

    titled.__module__, titled.__qualname__ = figures.__name__, "test_titled"
    with i18n.use_language("en"):
        english = shared_cache.figure(titled, "Home")
    with i18n.use_language("zh"):
        chinese = shared_cache.figure(titled, "Home")
    assert english.layout.title.text == "Home"
    assert chinese.layout.title.text == "首页"


def _inspect_like_figure():
    x = np.arange(16.0).reshape(4, 4)
    return shared_cache.figure(F.grid_figure, [
        F.Panel(x, "<b>Input</b>", click="input", name="input"),
        F.Panel(np.eye(2), "<b>Kernel</b>", name="kernel")], max_cell_px=40)


def test_a_shared_figure_gives_its_dict_without_copying_and_json_copies():
    fig = _inspect_like_figure()
    fresh = F.grid_figure([F.Panel(np.arange(16.0).reshape(4, 4), "<b>Input</b>",
                                   click="input", name="input"),
                           F.Panel(np.eye(2), "<b>Kernel</b>", name="kernel")], max_cell_px=40)
    assert fig.to_dict() is fig.to_dict()
    assert fig.to_json() == fresh.to_json()  # the frozen dict is the figure's own
    private = fig.to_plotly_json()
    private["layout"]["title"] = {"text": "changed"}
    private["data"][0]["name"] = "changed"
    assert fig.to_json() == fresh.to_json()


def test_an_editable_copy_takes_highlights_and_leaves_the_shared_figure_alone():
    fig = _inspect_like_figure()
    before = fig.to_json()
    mine = shared_cache.editable(fig)
    F.add_outline(mine, 0, [(0, 0, 1, 1)], color=F.PICK_COLOR, name="pick:window")
    assert fig.to_json() == before
    names = [t.name for t in mine.data]
    assert "pick:window" in names and "pick:window" not in [t.name for t in fig.data]
    assert names[-1].startswith("click:")  # the click overlay stays on top
    # The copy is the shared figure plus the outline: validated, it is a valid figure.
    again = go.Figure(mine.to_dict())
    assert len(again.data) == len(fig.data) + 2  # the outline and its halo
    assert again.layout.meta == fig.layout.meta


@pytest.mark.parametrize("panels", [
    pytest.param([F.Panel(np.arange(20.0).reshape(4, 5), "<b>Input</b> 4×5", click="input",
                          pad_mask=np.pad(np.zeros((2, 3), bool), 1, constant_values=True),
                          origin=(1, 1), name="input"),
                  F.Panel(-np.eye(3), "<b>Kernel</b>", name="kernel"),
                  F.Panel(np.ones((2, 3)), "<b>Output</b>", click="output", image=True,
                          name="output")], id="padded-input-kernel-output"),
    pytest.param([F.Panel(np.linspace(0, 1, 36).reshape(6, 6), "x", image=True, name="x")],
                 id="one-picture"),
])
def test_grid_figures_built_without_revalidating_their_layout_are_valid(panels):
    """grid_figure skips plotly's second validation of its layout (speed): whatever it
    writes, and a pinned-cell outline added to an editable copy, must still pass it."""
    fig = F.grid_figure(panels, max_cell_px=40)
    validated = go.Figure(fig.to_dict())  # raises ValueError on any invalid property
    raw = json.loads(fig.to_json())
    raw["layout"] = {k: v for k, v in raw["layout"].items() if v != []}  # validation drops []
    assert json.loads(validated.to_json()) == raw
    mine = shared_cache.editable(shared_cache.share(fig))
    F.add_outline(mine, 0, [(0, 0, 1, 1)], color=F.PICK_COLOR, name="pick:window")
    F.add_marks(mine, 0, [(0, 0)], color=F.PICK_COLOR)
    go.Figure(mine.to_dict())
