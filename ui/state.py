"""Session-state keys, their defaults, and the callbacks that write them.

Every key the pages share or read back lives here, so that a page, a test and (later) the
URL state agree on one name. Widget keys are built from a page prefix by ``ui.controls``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import streamlit as st

from ui.figures import picked_cell

# ------------------------------------------------------------------------------ shared

#: The last image a user uploaded successfully, shared by every page:
#: ``{"name": str, "data": bytes}``.
UPLOADED_IMAGE = "shared_uploaded_image"

# ------------------------------------------------------------------------------ sliding window

#: Prefix of the sliding-window page's widget keys.
SW = "sw"
#: The pinned cell: ``("output", i, j)``, ``("input", r, c)`` or ``("padding", r, c)``
#: (input coordinates: padding rows/columns are negative or ≥ the input size).
SW_PICK = "sw_pick"
SW_PICK_DEFAULT = ("output", 0, 0)
#: The pinned cell as a link carries it: ``"output:1:0"`` (kept in step with ``SW_PICK``).
SW_PICK_TEXT = "sw_pick_text"
SW_ANIMATION_CHART = "sw_animation_chart"
SW_INSPECT_CHART = "sw_inspect_chart"
SW_EDGE_CHART = "sw_edge_chart"
SW_EDGE_TRANSPOSED = "sw_edge_transposed"
SW_OPERATION = "sw_operation"
SW_BIAS = "sw_bias"
SW_FULL_IMAGE = "sw_full"

CROSS_CORRELATION = "Cross-correlation"
TRUE_CONVOLUTION = "True convolution"

SLIDING_WINDOW_DEFAULTS: dict[str, Any] = {
    SW_PICK: SW_PICK_DEFAULT,
    SW_EDGE_TRANSPOSED: False,
    SW_OPERATION: CROSS_CORRELATION,
    SW_BIAS: 0.0,
}


PICK_KINDS = ("output", "input", "padding")


def pick_text(pick: tuple[str, int, int]) -> str:
    """``("output", 1, 0)`` → ``"output:1:0"`` (how a link carries a pinned cell)."""
    kind, row, col = pick
    return f"{kind}:{int(row)}:{int(col)}"


def parse_pick(text: str) -> tuple[str, int, int]:
    """``"output:1:0"`` → ``("output", 1, 0)``.

    Raises
    ------
    ValueError
        Not ``kind:row:column`` with a known kind and whole numbers.
    """
    parts = str(text).strip().split(":")
    if len(parts) != 3 or parts[0] not in PICK_KINDS:
        raise ValueError(f"a picked cell is written kind:row:column with kind one of "
                         f"{', '.join(PICK_KINDS)}, got {text!r}")
    try:
        return parts[0], int(parts[1]), int(parts[2])
    except ValueError:
        raise ValueError(f"the row and column of a picked cell are whole numbers, "
                         f"got {text!r}") from None


def pick_state(text: str) -> dict[str, Any]:
    """Session writes for a pinned cell that came from a link (``UrlParam.to_state``)."""
    pick = parse_pick(text)
    return {SW_PICK: pick, SW_PICK_TEXT: pick_text(pick)}


def init_defaults(defaults: Mapping[str, Any],
                  state: MutableMapping[str, Any] | None = None) -> None:
    """Set every key of ``defaults`` that the session does not hold yet."""
    state = st.session_state if state is None else state
    for key, value in defaults.items():
        if key not in state:
            state[key] = value


def store_pick(chart_key: str, pick_key: str,
               state: MutableMapping[str, Any] | None = None) -> None:
    """Copy the cell clicked in chart ``chart_key`` to ``pick_key`` (kernel clicks ignored).

    Reading the chart's selection in its ``on_select`` callback (rather than from the
    return value of ``st.plotly_chart``) keeps working when the rerun rebuilds the chart.
    A click that selects nothing (a second click on the same cell) keeps the old pick.
    """
    state = st.session_state if state is None else state
    picked = picked_cell(state.get(chart_key))
    if picked is not None and picked[0] in ("input", "output", "padding"):
        state[pick_key] = picked


def pick_callback(chart_key: str, pick_key: str) -> Callable[[], None]:
    """An ``on_select`` callback for ``st.plotly_chart`` that calls :func:`store_pick`."""

    def callback() -> None:
        store_pick(chart_key, pick_key)

    return callback


def set_values(values: Mapping[str, Any]) -> Callable[[], None]:
    """A button callback that writes several session-state values at once."""

    def callback() -> None:
        for key, value in values.items():
            st.session_state[key] = value

    return callback


def keyed(key: str, default: Any) -> str:
    """``key``, with ``default`` put into session state first if the key has no value yet.

    Give a widget its default this way, not as its ``value``/``index`` argument: a shared
    link or a preset writes the key before the widget is drawn, and a widget that has both
    makes Streamlit log a warning with a stack trace. Use: ``st.toggle("Bias",
    key=state.keyed("p_bias", True))``.
    """
    st.session_state.setdefault(key, default)
    return key
