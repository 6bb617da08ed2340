"""The "This layer in code" panel, and the padding & stride page's frameworks table (issue 17).

A page calls one function near the end of its main section:

* :func:`conv_panel` — a convolution (its input, kernel(s), bias and geometry);
* :func:`pool_panel` — a pooling layer (a ``ui.figures_pooling.PoolSettings``);
* :func:`network_panel` — a whole ``convcore.network.Network`` (the Whole network page);
* :func:`frameworks_table` — output shape, padding per side and layouts in each framework.

The panel is a folded expander (presenter mode keeps the main figure above the fold) with a
framework selector (a horizontal radio, so exactly one code block is drawn: ``st.code`` has a
copy button) and the framework's notes, one translated sentence each. The code comes from
:mod:`ui.framework_code` (pure Python, tested by executing it); code stays code, its comments
English. Every selector key starts with the page's prefix, passed in by the page.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable

import numpy as np
import streamlit as st

from convcore.frameworks import FRAMEWORKS, conv2d_in_frameworks
from convcore.shapes import size_text
from ui import framework_code as FC
from ui import presenter
from ui.i18n import N_, _, option_labels

#: Every reason code's sentence, marked for translation (the English is
#: ``ui.framework_code.note_text``'s; a test checks that the two agree).
NOTE_TEXT = {
    "torch-same-stride": N_("PyTorch refuses padding='same' with a stride; pad explicitly "
                            "first (TensorFlow's pads, the extra row/column at the "
                            "bottom/right)."),
    "torch-uneven-padding": N_("PyTorch's layers pad both sides alike; uneven padding needs "
                               "F.pad first."),
    "torch-pool-padding-over-half": N_("PyTorch refuses pooling padding of more than half the "
                                       "window."),
    "torch-no-same-pool": N_("PyTorch pooling has no 'same'; pad explicitly first (for an "
                             "average, leaving the padding out of the divisor needs a mask)."),
    "keras-stride-and-dilation": N_("Keras refuses strides > 1 together with dilation_rate > 1; "
                                    "jax.lax accepts them."),
    "keras-explicit-padding": N_("Keras knows only 'valid' and 'same'; explicit padding is a "
                                 "ZeroPadding2D layer in front (zeros: they count in an average "
                                 "and can win a maximum over negative inputs)."),
    "keras-no-ceil-mode": N_("Keras pooling has no ceil mode; pad the bottom/right explicitly."),
    "jax-ceil-mode": N_("reduce_window has no ceil mode: the extra bottom/right padding gives "
                        "the last window."),
    "mxnet-uneven-padding": N_("MXNet pads both sides alike; uneven padding needs nd.pad "
                               "first."),
    "mxnet-full-keeps-window": N_("MXNet's pooling_convention='full' keeps the last window that "
                                  "PyTorch's ceil mode drops (it would start in the padding)."),
    "mxnet-retired": N_("MXNet is retired (moved to the Apache Attic in 2023); this Gluon code "
                        "is for readers of the older edition of the book, and was not run "
                        "here."),
    "input-generated": N_("The input is too large to write out, so the code makes a random "
                          "input of the same shape: its printed numbers differ from the "
                          "page's."),
    "weights-generated": N_("The kernel is too large to write out, so the code makes random "
                            "weights of the same shape: its printed numbers differ from the "
                            "page's."),
    "true-convolution": N_("Every framework's layer cross-correlates; the code flips the "
                           "kernel first to compute the true convolution."),
    "torch-padding-mode-uneven": N_("nn.Conv2d pads both sides alike; the uneven padding is "
                                    "done by F.pad first, in the same mode."),
    "keras-padding-mode": N_("Keras pads only with zeros; the code pads the input with NumPy "
                             "first (mode {mode}), then uses padding='valid'."),
    "jax-padding-mode": N_("lax.conv_general_dilated pads only with zeros; the code pads with "
                           "jnp.pad first."),
    "mxnet-padding-mode": N_("Gluon's Conv2D pads only with zeros; the code pads with NumPy "
                             "first."),
    "keras-stride-by-slicing": N_("Keras refuses strides > 1 together with dilation_rate > 1; "
                                  "the code convolves with stride 1 and keeps every s-th cell, "
                                  "which is the same."),
    "keras-average-as-ratio": N_("Keras pooling cannot pad like this; the code pads explicitly "
                                 "and divides the window sums by the number of counted cells."),
    "keras-max-padding": N_("Keras pooling cannot pad like this; the code pads with −∞ first "
                            "(a padded cell never wins), then pools with padding='valid'."),
    "keras-no-pool-dilation": N_("Keras pooling has no dilation; see the JAX code "
                                 "(reduce_window's window_dilation)."),
    "keras-no-lp-pool": N_("Keras has no power-average layer; the code averages x ** p and "
                           "takes the p-th root of (average × window size), as PyTorch does."),
    "jax-no-lp-pool": N_("JAX has no power-average pooling; the code sums x ** p with "
                         "reduce_window and takes the p-th root, as PyTorch does."),
    "mxnet-no-pool-dilation": N_("MXNet pooling has no dilation; see the JAX code."),
    "mxnet-window-larger": N_("MXNet refuses a pooling window larger than the padded input."),
    "mxnet-lp-pool": N_("Gluon has no power-average layer; nd.Pooling with pool_type='lp' is "
                        "the operator."),
    "torch-pool-explicit": N_("PyTorch refuses pooling padding of more than half the window; "
                              "the code pads by hand first (as MXNet computes it), then pools "
                              "with padding 0."),
    "network-keras-flatten": N_("Keras tensors are channels-last: a Permute layer puts the "
                                "channels first before Flatten, so the Dense weights keep "
                                "PyTorch's order."),
    "network-unsupported": N_("This framework's code is not written for a {layer} layer."),
}
FRAMEWORK_LABELS = {"PyTorch": "PyTorch", "Keras": "Keras 3", "JAX": "JAX",
                    "MXNet": N_("MXNet (retired)")}
PANEL_TITLE = N_("This layer in code")


def note(code: str, args: dict | None = None) -> str:
    """A reason code's sentence in the page's language."""
    return _(NOTE_TEXT[code]).format(**(args or {}))


#: The framework in a link (``?fw=keras``): every panel opens with it, and picking one in any
#: panel puts it there, so a prepared link shows the code a class is learning (PyTorch, the
#: default, is left out of the link).
URL_KEY = "fw"
#: Session-state key of the framework last picked in any panel.
REMEMBERED_KEY = "_code_framework"


def chosen_framework() -> str:
    """The framework the session's panels open with: the link's ``fw=`` (any case; an unknown
    name is ignored), else the one last picked in any panel, else PyTorch."""
    raw = st.query_params.get(URL_KEY)
    by_word = {name.lower(): name for name in FRAMEWORKS}
    if raw is not None and raw.strip().lower() in by_word:
        st.session_state[REMEMBERED_KEY] = by_word[raw.strip().lower()]
    return st.session_state.get(REMEMBERED_KEY, FRAMEWORKS[0])


def _picked(key: str) -> None:
    """A panel's radio changed: that framework is the session's (and the link's) from now."""
    st.session_state[REMEMBERED_KEY] = st.session_state[key]
    _framework_to_url()  # now: the panels drawn in this run read the link


def keep_framework_in_link() -> None:
    """Once per run, before the page (``app.py``): read ``fw=`` from the link and write the
    session's framework back into it, so that it survives the sidebar's page switches
    (which drop the query string) as the language and presenter mode do."""
    chosen_framework()
    _framework_to_url()


def _framework_to_url() -> None:
    name = st.session_state.get(REMEMBERED_KEY, FRAMEWORKS[0])
    params = st.query_params
    if name == FRAMEWORKS[0]:
        if URL_KEY in params:
            del params[URL_KEY]
    elif params.get(URL_KEY) != name.lower():
        params[URL_KEY] = name.lower()


def show_snippets(snippets: list[FC.Snippet], key: str, *, intro: str,
                  extra: Callable[[], None] | None = None) -> None:
    """The folded panel: a framework selector, its notes and its code (``extra`` draws
    something under the intro, e.g. the download the code reads)."""
    with st.expander(":material/code: " + _(PANEL_TITLE)):
        st.caption(intro)
        if extra is not None:
            extra()
        by_name = {s.framework: s for s in snippets}
        if key not in st.session_state:
            st.session_state[key] = chosen_framework()
        name = st.radio(_("Framework"), list(FRAMEWORKS), key=key, horizontal=True,
                        format_func=option_labels(FRAMEWORK_LABELS), on_change=_picked,
                        args=(key,))
        snippet = by_name[name]
        for code, args in snippet.notes:
            st.caption(note(code, args))
        if snippet.code is not None:
            st.code(snippet.code, language="python")


def _layer_intro() -> str:
    return _("Each snippet builds the layer, sets this page's kernel and bias, runs it on this "
             "page's input and prints this page's output (channels first, as drawn here). The "
             "button at the code's top right copies it.")


def conv_panel(key: str, x, weight, bias=None, *, stride=1, padding=0, dilation=1,
               groups=1, padding_mode="zeros", flipped=False) -> None:
    """The panel for a convolution; arguments as :meth:`ui.framework_code.ConvSpec.build`.

    Draws nothing but a caption when the layer cannot be described (a page already says
    why its settings do not work).
    """
    try:
        spec = FC.ConvSpec.build(x, weight, bias, stride=stride, padding=padding,
                                 dilation=dilation, groups=groups, padding_mode=padding_mode,
                                 flipped=flipped)
        snippets = FC.conv_snippets(spec)
    except (ValueError, TypeError):
        return
    show_snippets(snippets, key, intro=_layer_intro())


def pool_panel(key: str, x, settings) -> None:
    """The panel for a pooling layer (``settings``: ``ui.figures_pooling.PoolSettings``)."""
    try:
        spec = FC.PoolSpec.build(x, settings.kind, settings.kernel_size, settings.stride,
                                 settings.padding, settings.dilation, settings.ceil_mode,
                                 settings.count_include_pad, settings.norm_type)
        snippets = FC.pool_snippets(spec)
    except (ValueError, TypeError):
        return
    show_snippets(snippets, key, intro=_("Each snippet builds the pooling layer, runs it on "
                                         "this page's input and prints this page's output. "
                                         "The button at the code's top right copies it."))


def network_panel(key: str, network, input_shape) -> None:
    """The panel for a whole network (the Whole network page): its weights are read from
    ``weights.npz``, the state dict offered for download inside the panel."""
    snippets = FC.network_snippets(network, input_shape)

    def weights_npz() -> bytes:
        buffer = io.BytesIO()
        np.savez(buffer, **network.state_dict())
        return buffer.getvalue()

    def download() -> None:
        st.download_button(_("Download weights.npz"), data=weights_npz,
                           file_name="weights.npz", mime="application/octet-stream",
                           key=f"{key}_npz", on_click="ignore", icon=":material/download:")

    show_snippets(snippets, key, extra=download, intro=_(
        "Each snippet builds this network, loads its weights from weights.npz (the "
        "download on this page) and prints the output for a random input of shape {shape}.")
        .format(shape=size_text(input_shape)))


# --------------------------------------------------------------------------- the table


def frameworks_rows(in_hw, kernel_size, *, stride=1, padding=0, dilation=1,
                    padding_mode="zeros", in_channels=1, out_channels=1) -> tuple[list, list]:
    """The table's rows (lists of HTML cells, in :func:`table_headers`' order) and its
    numbered notes (translated sentences)."""
    rows = conv2d_in_frameworks(in_hw, kernel_size, stride=stride, padding=padding,
                                dilation=dilation, in_channels=in_channels,
                                out_channels=out_channels)
    first = rows[0]
    notes: list[str] = []
    table = []
    for row in rows:
        reasons = [row.reason] if row.reason else []
        if padding_mode != "zeros" and row.framework != "PyTorch" and any(
                p for pair in row.pads for p in pair):
            reasons.append({"Keras": "keras-padding-mode", "JAX": "jax-padding-mode",
                            "MXNet": "mxnet-padding-mode"}[row.framework])
        marks = []
        for code in reasons:
            sentence = note(code, {"mode": padding_mode})
            if sentence not in notes:
                notes.append(sentence)
            marks.append(str(notes.index(sentence) + 1))
        pads = ", ".join(str(p) for pair in row.pads for p in pair)
        out = size_text(row.out_hw)
        differs = _("(differs from PyTorch)")
        if row.pads != first.pads:
            pads = f"<strong>{pads}</strong> {differs}"
        if row.out_hw != first.out_hw:
            out = f"<strong>{out}</strong> {differs}"
        name = row.framework if row.framework != "MXNet" else _(FRAMEWORK_LABELS["MXNet"])
        direct = _("yes") if row.direct and not reasons else "<strong>{}</strong> {}".format(
            html.escape(_("no: an extra step")),
            html.escape(_("(note {numbers})").format(numbers=", ".join(marks))))
        table.append([html.escape(name), f"{row.input_layout}, {row.kernel_layout}",
                      str(row.kernel_shape), f"<code>{html.escape(row.padding_arg)}</code>",
                      pads, out, direct])
    return table, notes


def table_headers() -> list[str]:
    return [_("Framework"), _("Layouts (tensor, kernel)"), _("Kernel shape"),
            _("Padding as code"), _("Padding top, bottom, left, right"), _("Output"),
            _("Said by the layer itself")]


#: Presenter mode: the columns kept in the table (the layouts become a sentence below it).
COMPACT_COLUMNS = (0, 3, 4, 5, 6)


TABLE_CSS = """<style>
.fw-table {border-collapse: collapse; width: 100%; font-size: 1rem;}
.fw-table th, .fw-table td {border: 1px solid #9aa1ad; padding: 0.3rem 0.5rem;
  text-align: left; vertical-align: top;}
.fw-table th {background: #eceef2;}
.fw-table code {white-space: normal !important; overflow-wrap: normal !important;
  word-break: normal !important; font-size: 0.85em;}
.fw-table td.fw-code {min-width: 11em;}
.fw-wrap {overflow-x: auto;}
</style>"""


def frameworks_table(in_hw, kernel_size, *, stride=1, padding=0, dilation=1,
                     padding_mode="zeros") -> None:
    """Output shape, padding per side and layouts in each framework, differences in words
    (bold and "differs"; a layer that needs an extra step says so, with its note).

    ``padding``: a number, pairs, ``((top, bottom), (left, right))`` or ``"valid"``/``"same"``
    (TensorFlow's "same", any stride).
    """
    try:
        table, notes = frameworks_rows(in_hw, kernel_size, stride=stride, padding=padding,
                                       dilation=dilation, padding_mode=padding_mode)
    except (ValueError, TypeError) as err:
        st.caption(_("No framework gives an output with these settings: {error}").format(
            error=err))
        return
    caption = _("The {size} input with the {kernel} kernel in each framework").format(
        size=size_text(in_hw), kernel=size_text(kernel_size))
    compact = presenter.presenter_mode()
    keep = list(COMPACT_COLUMNS if compact else range(len(table_headers())))
    headers = [table_headers()[k] for k in keep]
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + f'<th scope="row">{cells[0]}</th>' +
                   "".join(f'<td class="fw-code">{cells[k]}</td>' if k == 3 else
                           f"<td>{cells[k]}</td>" for k in keep[1:]) + "</tr>"
                   for cells in table)
    # focusable and named: a table wider than the page scrolls inside its own box
    st.html(f'{TABLE_CSS}<div class="fw-wrap" tabindex="0" role="region" '
            f'aria-label="{html.escape(caption)}"><table class="fw-table"><caption>'
            f"{html.escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}"
            "</tbody></table></div>")
    if compact:
        st.caption(_("Kernel shapes: PyTorch, JAX and MXNet {oihw} (OIHW); Keras {hwio} "
                     "(HWIO).").format(oihw=table[0][2], hwio=table[1][2]))
    for k, sentence in enumerate(notes, start=1):
        st.caption(_("Note {number}: {sentence}").format(number=k, sentence=sentence))
    st.caption(_("PyTorch, JAX (as written here) and MXNet take tensors as NCHW (batch, "
                 "channels, height, width) and kernels as OIHW (out, in, height, width); Keras "
                 "and TensorFlow as NHWC and HWIO. A Keras kernel is a PyTorch kernel "
                 "transposed with .transpose(2, 3, 1, 0)."))


def sample_weight(kernel_size) -> np.ndarray:
    """The padding & stride page's kernel of ones (its output sums each window)."""
    return np.ones(tuple(kernel_size))
