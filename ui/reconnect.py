"""Come back with the same view when the page reconnects to another server process.

When the process serving a page dies, the browser reconnects (through the proxy, to a live
process) on its own. But Streamlit's frontend asks the new process to run the script again
only if the page had a fragment timer (``st.fragment(run_every=...)``) or was running:
otherwise it keeps showing the dead process's last screen, its pictures broken and its
session gone, until the next click. :func:`rerun_on_reconnect` draws an empty fragment with a
slow timer on every page, so the reconnect always re-runs the page from its URL, where every
page keeps its settings (measured with tests/e2e/test_failover_browser.py).
"""

from __future__ import annotations

import streamlit as st

#: Seconds between the empty fragment's runs: only its timer matters, so rarely (a run of
#: it costs a few milliseconds of server time).
TIMER_S = 120


@st.fragment(run_every=TIMER_S)
def _timer() -> None:
    """Nothing to draw: the fragment exists for its timer."""


def rerun_on_reconnect() -> None:
    """Make a reconnect re-run the page (call once per run, from the entry script)."""
    _timer()
