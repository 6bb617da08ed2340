"""Presenter mode hides grid numbers it cannot print at 24 px (issue 9 item 1).

A 20×20 input on padding & stride printed its numbers at 17 px and the 1×1 figure's
five-character values at 22 px: the harness's ``fonts`` check failed. Now such numbers are
dropped from the figure (cell colours and hover stay) and the page says so in one sentence.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from ui import figures as F
from ui import presenter


def _cell_text_sizes(fig: go.Figure) -> list[float]:
    return [t.textfont.size for t in fig.data if t.type == "heatmap" and t.texttemplate]


@pytest.mark.parametrize("side, hidden", [(3, False), (20, True)], ids=["3x3", "20x20"])
def test_grid_numbers_below_24px_are_hidden(side, hidden):
    values = np.arange(side * side, dtype=float).reshape(side, side) + 100
    fig = presenter.scale_figure(F.grid_figure([F.Panel(values, "Input")], max_cell_px=96),
                                 presenter.figure_scale(True))
    sizes = _cell_text_sizes(fig)
    assert sizes, "the builder printed the numbers"
    shown, was_hidden = presenter.hide_unreadable_numbers(fig)
    assert was_hidden is hidden
    assert min(sizes) < 24 if hidden else min(sizes) >= 24
    if hidden:
        assert _cell_text_sizes(shown) == []
        assert _cell_text_sizes(fig) == sizes, "the given (maybe cached) figure is untouched"
        heat = next(t for t in shown.data if t.type == "heatmap")
        assert np.asarray(heat.hovertext).shape == (side, side)  # hover keeps the values
    else:
        assert shown is fig


def test_number_labels_of_scatter_text_hidden_names_kept():
    numbers = go.Scatter(x=[0, 1], y=[0, 0], mode="markers+text", text=["1.25", "−0.5"],
                         textfont=dict(size=14))
    names = go.Scatter(x=[0, 1], y=[1, 1], mode="markers+text", text=["x0", "x1"],
                       textfont=dict(size=14))
    big = go.Scatter(x=[0], y=[2], mode="text", text=["7"], textfont=dict(size=30))
    shown, hidden = presenter.hide_unreadable_numbers(go.Figure([numbers, names, big]))
    assert hidden
    assert [t.mode for t in shown.data] == ["markers", "markers+text", "text"]


def test_animation_frames_lose_the_small_numbers_too():
    heat = go.Heatmap(z=[[1, 2]], text=[["1", "2"]], texttemplate="%{text}",
                      textfont=dict(size=12))
    fig = go.Figure([heat], frames=[go.Frame(data=[heat], name="0")])
    shown, hidden = presenter.hide_unreadable_numbers(fig)
    assert hidden
    assert shown.data[0].texttemplate is None and shown.frames[0].data[0].texttemplate is None
