"""The figures of the 1-D page draw convcore's numbers: the stomach animation's frames, the
causal stack's receptive field, the n-gram hits, the 2-D marks and the 3-D clip."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from convcore import conv3d
from convcore import signals as sig
from convcore import stomach as sto
from convcore import volume as vol
from ui import figures_signals as FS

MEALS = (sto.Meal(7.5, 1.0, 0.5), sto.Meal(12.0, 1.5, 0.5), sto.Meal(19.0, 2.0, 0.5))


@pytest.fixture(scope="module")
def frames():
    return sto.stomach_frames(MEALS, 3.0)


@pytest.fixture(scope="module")
def animation(frames):
    return FS.stomach_animation_figure(frames, initial=84)


def test_animation_has_one_frame_per_grid_time_with_convcores_numbers(frames, animation):
    raw = animation.frame_dicts
    assert [f["name"] for f in raw] == [str(j) for j in range(len(frames.x))]
    for j in (0, 50, 84, len(frames.x) - 1):
        product, flipped, s_so_far, now = raw[j]["data"]
        np.testing.assert_allclose(product["y"], frames.product[j], atol=5e-5)
        np.testing.assert_allclose(flipped["y"], frames.flipped[j], atol=5e-5)
        np.testing.assert_allclose(s_so_far["y"], frames.area[:j + 1], atol=5e-5)
        assert now["x"] == [float(frames.x[j])]
        assert raw[j]["layout"]["annotations"][0]["text"] == FS.step_text(
            float(frames.x[j]), float(frames.area[j]))
    names = [t.name for t in animation.data]
    assert [names[k] for k in raw[0]["traces"]] == ["product", "flipped", "s", "now"]


def test_animation_is_valid_plotly_and_small(animation):
    payload = animation.to_json()
    assert len(payload.encode()) < 1_000_000
    fig = go.Figure(json.loads(payload))  # plotly validates every frame and the slider
    assert len(fig.frames) == 145
    assert len(fig.layout.sliders[0].steps) == 145
    assert fig.layout.sliders[0].active == 84
    assert fig.layout.meta["normal_ms"] == FS.NORMAL_MS


@pytest.mark.parametrize("initial", [-1, 145], ids=["negative", "past-the-end"])
def test_animation_refuses_an_initial_frame_off_the_grid(frames, initial):
    with pytest.raises(ValueError, match="initial frame"):
        FS.stomach_animation_figure(frames, initial=initial)


@pytest.mark.parametrize(("hours", "text"), [(0, "00:00"), (13.5, "13:30"),
                                             (23 + 50 / 60, "23:50")],
                         ids=["midnight", "half-past", "ten-to"])
def test_clock(hours, text):
    assert FS.clock(hours) == text


@pytest.mark.parametrize("layers", [1, 3, 5])
def test_causal_stack_marks_exactly_the_receptive_field(layers):
    rows = sig.dilated_causal_stack(2 ** layers + 4, layers, kernel_size=2)
    fig = FS.causal_stack_figure(2 ** layers + 4, [r.dilation for r in rows], 2)
    (inputs,) = [t for t in fig.data if t.name == "layer:0"]
    marked = [c == FS.VERMILLION for c in inputs.marker.color]
    assert sum(marked) == rows[-1].receptive_field
    assert marked[-rows[-1].receptive_field:] == [True] * rows[-1].receptive_field


def test_text_figure_frames_every_hit():
    x, alphabet = sig.one_hot_text("the cat sat")
    fig = FS.text_channels_figure(x, alphabet, "the cat sat", np.zeros(10), [5, 9], 2)
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [(4.5, 6.5), (8.5, 10.5)]
    assert np.asarray(fig.data[0].z).shape == (len(alphabet), 11)


def test_label_grids_mark_the_given_cells():
    labels = [["a"] * 3] * 3
    fig = FS.label_grids_figure([("f", labels, np.eye(3)), ("g", labels, np.ones((3, 3)))],
                                marks=[(0, 2, 0), (1, 0, 2)])
    assert [(s.xref, s.yref, s.x0 + 0.5, s.y0 + 0.5) for s in fig.layout.shapes] == [
        ("x", "y", 0, 2), ("x2", "y2", 2, 0)]


def test_clip_figure_draws_every_frame_and_output():
    clip = vol.moving_square_clip(frames=6, size=10, square=3, direction="right")
    out = conv3d(clip, vol.motion_kernel("right"))
    fig = FS.clip_figure(clip, out)
    names = [t.name for t in fig.data]
    assert names == [f"clip:{k}" for k in range(6)] + [f"out:{k}" for k in range(4)]
    np.testing.assert_allclose(np.asarray(fig.data[7].z), out[1], atol=5e-5)
