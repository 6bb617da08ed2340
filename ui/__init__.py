"""The app's own helpers: Plotly figure builders, reusable widgets and session state.

``ui.figures`` never imports Streamlit (it is tested without a server); ``ui.controls`` and
``ui.state`` are the Streamlit side. Nothing is imported here, so ``import ui.figures`` stays
light.
"""
