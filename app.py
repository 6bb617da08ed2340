"""Convolution Explorer: the entry point. Sets the page up and routes; nothing else.

Run with ``streamlit run app.py``. The pages are listed in teaching order in
``ui/navigation.py``; a page whose script does not exist yet is simply not routed.
"""

# Imported here, before any page: the first script runs of a class arriving at once run in
# parallel threads, and two of them importing pandas (st.dataframe, st.vega_lite_chart) at
# the same moment got "partially initialized module 'pandas'" (measured, 60 students).
import gc

import pandas  # noqa: F401
import pyarrow  # noqa: F401
import streamlit as st

from ui import a11y, code_panel, i18n, presenter, reconnect
from ui.i18n import _
from ui.navigation import existing_pages, routed_pages


def sidebar() -> None:
    a11y.apply_base_style()
    with st.sidebar:
        st.markdown("### Convolution Explorer")
        st.caption(_("See what a convolutional layer computes, one number at a time. Every "
                     "number is computed by convcore, a small NumPy engine checked against "
                     "PyTorch."))
        presenter.presenter_toggle()
        with st.expander(_("How to read the grids")):
            st.markdown("\n".join("- " + line for line in (
                _("Rows and columns are numbered like a matrix: **(0, 0) is top-left**."),
                _("**Blue** is positive, **red** negative, **white** zero; pictures are "
                  "black (0) to white (1)."),
                _("**Hatched grey** cells inside a dashed border are **padding**."),
                _("The **black frame** is the kernel's window; hover a cell for its value."))))


@st.cache_resource(show_spinner=False)
def freeze_startup_objects() -> bool:
    """Once per process, after the first script run: move every object alive now (modules,
    Plotly's validators, the shared caches so far) out of the garbage collector's reach.

    ``runner.postScriptGC`` is off (.streamlit/config.toml), but Python's own full
    collections still run every few hundred thousand allocations, and each walked the
    whole heap, most of it these never-freed startup objects: measured with gc.callbacks
    over a 30-student run, 13 full collections took 5.4 s of the server's 27 s. ``gc.freeze``
    leaves them out of every later collection; the first session's few objects frozen
    with them stay alive, once.
    """
    gc.collect()
    gc.freeze()
    return True


st.set_page_config(page_title="Convolution Explorer", page_icon="🔍", layout="wide",
                   initial_sidebar_state="auto")
i18n.language_selector()  # before the pages: they translate with the chosen language
navigation = st.navigation([
    st.Page(route.path, title=_(route.title), icon=route.icon, url_path=route.url_path,
            default=route.default, visibility=route.visibility)
    for route in routed_pages(existing_pages())
])
sidebar()
reconnect.rerun_on_reconnect()  # a restarted process shows the link's view at once
code_panel.keep_framework_in_link()  # ?fw=: the code panels' framework, kept across pages
navigation.run()
freeze_startup_objects()
