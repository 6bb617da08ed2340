"""Convolution Explorer: entry point (placeholder until the app lands)."""

import streamlit as st

st.set_page_config(page_title="Convolution Explorer", page_icon="🔍", layout="wide")
st.title("Convolution Explorer")
