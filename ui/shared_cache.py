"""Work every session would otherwise repeat, done once per server process and shared.

A class opens the same link and clicks through the same presets, so most script runs draw
figures and pictures that another session has just drawn. These helpers keep the result in
a bounded ``st.cache_resource`` (one copy per process, least recently used dropped first).
What they return is shared between sessions: treat it as read-only.

- :func:`figure` builds a Plotly figure once per builder and arguments (NumPy arrays are
  hashed by content), and turns it into its dict once: ``st.plotly_chart`` asks every run
  for ``fig.to_dict()``, a deep copy of the whole figure (measured: about as costly as the
  JSON encoding that follows it).
- :func:`editable` is a cheap private copy of a shared figure, for highlights drawn per
  session on a figure shared by all (a pinned cell, an outline).
- :func:`photo_pictures` turns a photo and a feature map into the two PNGs a page shows.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from convcore.image import downsample, to_uint8
from ui import figures as F
from ui import i18n

#: Figures kept per process (a grid figure is tens of kB; a class uses a few dozen settings).
MAX_FIGURES = 128
#: Photo/feature-map PNG pairs kept per process (a few hundred kB each).
MAX_PICTURES = 32


def share(fig: go.Figure) -> go.Figure:
    """Freeze ``fig`` for sharing: its dict is made now, once, and handed to every later
    ``fig.to_dict()`` (``st.plotly_chart``'s first step) without the deep copy plotly makes
    each time. ``fig.to_plotly_json()`` still returns a private copy, so code that adapts
    a figure through it (``ui.presenter.scale_figure``) never changes the shared dict.

    The figure must not be changed afterwards (its dict would no longer follow): draw
    per-session additions on :func:`editable` copies.
    """
    spec = fig.to_dict()
    # Instance attributes shadow the methods (plotly allows setting existing attributes);
    # a subclass would need a validated copy of the figure to be made.
    fig.to_dict = lambda: spec
    fig.to_plotly_json = lambda: copy.deepcopy(spec)
    return fig


def editable(fig: go.Figure) -> go.Figure:
    """A private copy of a shared figure that highlights can be added to (``add_trace``,
    ``add_shape``...).

    Made from the shared figure's dict without plotly's validation (``_validate=False``):
    the dict came out of a validated figure, and validating it again costs as much as
    building it. Traces and layout are new objects; do not change the copy's existing
    traces in place (they may share arrays with the shared figure), add new ones.
    """
    return go.Figure(fig.to_dict(), _validate=False)


@st.cache_resource(max_entries=MAX_FIGURES, show_spinner=False)
def _built(name: str, _build: Callable[..., go.Figure], args: tuple, kwargs: tuple,
           lang: str) -> go.Figure:
    with i18n.use_language(lang):  # what the builder translates, in this session's language
        return share(_build(*args, **dict(kwargs)))


def figure(build: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)``, built once per process for equal arguments and language;
    read-only.

    Example: ``fig = shared_cache.figure(F.grid_figure, panels, max_cell_px=44)``. Every
    argument must be hashable by Streamlit (NumPy arrays, tuples, dataclasses of those...).
    """
    name = f"{build.__module__}.{build.__qualname__}"
    return _built(name, build, args, tuple(sorted(kwargs.items())), i18n.current_language())


def _png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


@st.cache_resource(max_entries=MAX_PICTURES, show_spinner=False)
def photo_pictures(key: Hashable, _gray: np.ndarray, _out: np.ndarray, max_side: int
                   ) -> tuple[bytes, bytes, str]:
    """The photo and its feature map as PNGs at most ``max_side`` a side, and the colour kind.

    Parameters
    ----------
    key : hashable
        Identifies ``_gray`` and ``_out`` (the photo's key and every setting that made the
        map); the arrays themselves are not hashed.
    _gray : np.ndarray
        The photo, float ``(H, W)`` in [0, 1].
    _out : np.ndarray
        The feature map, float ``(H', W')``.
    max_side : int
        Largest side of the pictures shown.

    Returns
    -------
    tuple of (bytes, bytes, str)
        The photo's PNG (grey), the map's PNG (coloured by :func:`ui.figures.colorize`) and
        the kind of its colour scale (``"gray"``, ``"diverging"``, ``"sequential"``,
        ``"negative"``).
    """
    scale = F.color_scale_for(_out, image=True)
    shown_in = downsample(_gray, (max_side, max_side))
    shown_out = downsample(_out, (max_side, max_side))
    return _png(to_uint8(shown_in)), _png(F.colorize(shown_out, scale)), scale.kind
