"""Download buttons for arrays and GIFs (Streamlit wrappers around :mod:`ui.export`).

Every button generates its file only when it is clicked (``st.download_button`` with a
callable), so offering downloads costs a page nothing::

    from ui.downloads import download_array_buttons, download_gif_button

    download_array_buttons("Output", output, key="sw_out")   # CSV + .npy
    download_gif_button("Animation (GIF)", lambda: animation_gif(xp, k, out, trace),
                        key="sw_gif", file_name="sliding_window.gif")

PNG of a Plotly figure needs no server: the camera button of the chart's mode bar saves
it in the browser. Pass ``config=PLOTLY_PNG_CONFIG`` (or merge it into the page's config)
to ``st.plotly_chart`` for a sharp PNG with a sensible file name.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import streamlit as st

from ui.export import array_to_csv, array_to_npy
from ui.i18n import _

__all__ = ["MAX_CSV_CELLS", "download_array_buttons", "download_gif_button",
           "plotly_png_config"]

#: Arrays with more values than this are offered as .npy only (CSV text would be huge).
MAX_CSV_CELLS = 1_000_000


def plotly_png_config(file_name: str, *, scale: int = 2, base: dict | None = None) -> dict:
    """A ``st.plotly_chart`` ``config`` whose mode-bar camera saves ``file_name``.png at
    ``scale``× the on-screen size (drawn in the browser: works offline)."""
    config = dict(base or {})
    config["displaylogo"] = False
    config["toImageButtonOptions"] = {"format": "png", "filename": _safe_stem(file_name),
                                      "scale": scale}
    return config


def _safe_stem(text: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return stem or "array"


def download_array_buttons(label: str, arr: np.ndarray | Callable[[], np.ndarray], key: str, *,
                           file_stem: str | None = None,
                           shape: tuple[int, ...] | None = None) -> None:
    """Two buttons side by side: ``label`` as CSV and as ``.npy``.

    Parameters
    ----------
    label : str
        What the array is ("Output", "Patch"), already translated; also the file name unless
        ``file_stem`` (give an English ``file_stem`` when the label is translated).
    arr : np.ndarray or callable
        The array, or a function that computes it (called only on a click: use this for
        large arrays such as full-resolution feature maps).
    key : str
        Widget key prefix: the buttons are ``f"{key}_csv"`` and ``f"{key}_npy"``.
    file_stem : str, optional
        File name without extension.
    shape : tuple of int, optional
        The shape of what ``arr`` computes, when it is a callable (to decide whether CSV is
        offered). Without it a callable gets a .npy button only.

    Notes
    -----
    CSV is offered for 0-, 1- and 2-D arrays up to :data:`MAX_CSV_CELLS` values; larger or
    3-D arrays get ``.npy`` only, with a caption saying why.
    """
    stem = _safe_stem(file_stem or label)
    if callable(arr):
        compute = arr
        known = shape
    else:
        array = np.asarray(arr)
        known = array.shape

        def compute() -> np.ndarray:
            return array

    csv_ok = known is not None and len(known) <= 2 and int(np.prod(known)) <= MAX_CSV_CELLS
    left, right = st.columns(2, gap="small")
    with left:
        if csv_ok:
            st.download_button(_("{what} (.csv)").format(what=label),
                               data=lambda: array_to_csv(compute()), icon=":material/download:",
                               file_name=f"{stem}.csv", mime="text/csv", key=f"{key}_csv",
                               on_click="ignore", width="stretch")
        else:
            if known is not None and len(known) > 2:
                st.caption(_("No CSV for a 3-D array: download it as .npy."))
            else:
                st.caption(_("Too large for CSV: download it as .npy."))
    with right:
        st.download_button(_("{what} (.npy)").format(what=label),
                           data=lambda: array_to_npy(compute()), icon=":material/download:",
                           file_name=f"{stem}.npy", mime="application/octet-stream",
                           key=f"{key}_npy", on_click="ignore", width="stretch")


def download_gif_button(label: str, make_gif: Callable[[], bytes], key: str, *,
                        file_name: str = "sliding_window.gif", help: str | None = None) -> None:
    """A button that builds a GIF (e.g. :func:`ui.export.animation_gif`) when clicked.

    ``label`` is shown as given (translate it first); the icon is a Material Symbol, which
    needs no emoji font.
    """
    st.download_button(label, data=make_gif, file_name=_safe_stem(file_name),
                       mime="image/gif", key=key, on_click="ignore", help=help,
                       icon=":material/movie:")
