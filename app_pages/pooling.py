"""Pooling: max, average and Lp pooling, window by window; translation invariance; photos.

Thin page: widgets (ui.controls and the pooling settings below) → numbers (convcore) →
figures (ui.figures_pooling, built on ui.figures). Every widget key starts with ``pool_``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from convcore import downsample, format_number, to_uint8
from convcore.shapes import size_text
from ui import a11y, code_panel, controls, presenter, state
from ui import figures as F
from ui import figures_pooling as P
from ui import url_state as us
from ui.downloads import download_array_buttons
from ui.i18n import N_, _, current_language, translations

IN = "pool_in"  # input picker prefix
TI_IN, TI_K = "pool_ti_in", "pool_ti_k"  # translation-invariance input and kernel
PHOTO = "pool_photo"
ANIMATION_CHART = "pool_animation_chart"
CHART_CONFIG = {"displaylogo": False, "displayModeBar": False}
#: The charts' config: the mode-bar camera saves a PNG.
PNG_CONFIG = controls.chart_config("pooling", CHART_CONFIG)
#: Outputs with more cells than this are not printed as a list.
MAX_PRINTED_CELLS = 64
#: Width (px) the animation's panels may take in presenter mode at 1280×720: the main
#: column is about 720 px there, and the output's title needs room to the right.
PROJECTOR_GRID_PX = 540
#: Largest side of the photo before pooling (it is shrunk to this for display).
PHOTO_SIDE = 256
KIND_NAMES = {"max": N_("Max"), "avg": N_("Average"), "lp": N_("Lp (power average)")}
#: What Lp pooling is on signed values (docs/glossary.md).
LP_CAVEAT = N_("PyTorch's `lp_pool2d` computes `(Σ xᵖ)^(1/p)` on the signed values. It is the "
               "Lp norm of the window only when the values are ≥ 0 or p is even (`p = 2`: the "
               "L2 norm). With negative values, `p = 1` gives their signed sum, and a sum of "
               "powers that is negative (any p but 1) or a negative value to a fractional "
               "power gives NaN.")
#: The d2l 3×3 input names its pooling results here, not its convolution results.
INPUT_LABELS = {"arange": N_("3×3 arange (d2l max: 4, 5, 7, 8)")}
DIRECTIONS = {"right": (0, 1), "down": (1, 0), "left": (0, -1), "up": (-1, 0)}
DIRECTION_NAMES = {"right": N_("right"), "down": N_("down"), "left": N_("left"), "up": N_("up")}
#: "The input is {shifted}; …": the shift in words, per direction.
SHIFTED = {"right": N_("shifted right by {n} px"), "down": N_("shifted down by {n} px"),
           "left": N_("shifted left by {n} px"), "up": N_("shifted up by {n} px")}

#: Settings every preset writes (the ones it does not mention go back to these).
BASE = {"pool_kind": "max", "pool_kh": 2, "pool_kw": 2, "pool_stride_auto": True,
        "pool_sh": 1, "pool_sw": 1, "pool_ph": 0, "pool_pw": 0, "pool_dh": 1, "pool_dw": 1,
        "pool_ceil": False, "pool_count_pad": True, "pool_p": 2.0, "pool_two": False}


def _arange4() -> dict:
    grid = controls.arange_grid(4, 4)
    return {f"{IN}_source": "typed", f"{IN}_text": controls.format_grid(grid),
            f"{IN}_valid": grid}


def _arange3() -> dict:
    return controls.input_state_values(IN, "arange")


#: The seeds' pooling examples (d2l 5.5, MXNet): button label, session values, seeds' code.
#: Labels are short so that they fit their button at 1280 px, in English and in Chinese.
PRESETS: dict[str, tuple[str, dict, str]] = {
    "max2": (N_("Max 2×2 on 0…8"), {**_arange3(), "pool_stride_auto": False},
             "pool2d(X, (2, 2))  # X = [[0, 1, 2], [3, 4, 5], [6, 7, 8]], stride 1"),
    "avg2": (N_("Average 2×2 on 0…8"), {**_arange3(), "pool_kind": "avg",
                                    "pool_stride_auto": False},
             "pool2d(X, (2, 2), 'avg')"),
    "win3": (N_("Window 3 on 0…15"), {**_arange4(), "pool_kh": 3, "pool_kw": 3},
             "nn.MaxPool2D(3)  # X = nd.arange(16).reshape((1, 1, 4, 4))"),
    "pad1": (N_("Window 3, padding 1, stride 2"), {**_arange4(), "pool_kh": 3, "pool_kw": 3,
                                               "pool_stride_auto": False, "pool_sh": 2,
                                               "pool_sw": 2, "pool_ph": 1, "pool_pw": 1},
             "nn.MaxPool2D(3, padding=1, strides=2)"),
    "mxnet": (N_("Window 2×3, padding 1×2, stride 2×3"),
              {**_arange4(), "pool_kh": 2, "pool_kw": 3, "pool_ph": 1, "pool_pw": 2},
              "nn.MaxPool2D((2, 3), padding=(1, 2), strides=(2, 3))"),
    "two": (N_("Two channels: X and X + 1"), {**_arange4(), "pool_kh": 3, "pool_kw": 3,
                                          "pool_stride_auto": False, "pool_sh": 2,
                                          "pool_sw": 2, "pool_ph": 1, "pool_pw": 1,
                                          "pool_two": True},
            "X = nd.concat(X, X + 1, dim=1); nn.MaxPool2D(3, padding=1, strides=2)"),
}


def preset_values(name: str) -> dict:
    """Everything preset ``name`` writes into the session."""
    return {**BASE, **PRESETS[name][1]}


def active_preset() -> str | None:
    """The preset whose values the session holds right now, if any."""
    ss = st.session_state
    for name in PRESETS:
        values = preset_values(name)
        if values["pool_stride_auto"]:  # the stride inputs then mirror the window
            values = {k: v for k, v in values.items() if k not in ("pool_sh", "pool_sw")}
        if all(_same(ss.get(key), value) for key, value in values.items()):
            return name
    return None


def url_schema() -> us.UrlSchema:
    """The pooling settings and the input in the URL; defaults = the page's first preset."""
    d = preset_values("max2")
    ints = [("pool_kh", "kh", 1, 8, "window rows"), ("pool_kw", "kw", 1, 8, "window columns"),
            ("pool_sh", "sh", 1, 8, "stride down"), ("pool_sw", "sw", 1, 8, "stride across"),
            ("pool_ph", "ph", 0, 4, "padding rows"), ("pool_pw", "pw", 0, 4, "padding columns"),
            ("pool_dh", "dh", 1, 4, "dilation down"), ("pool_dw", "dw", 1, 4, "dilation across")]
    bools = [("pool_stride_auto", "sa", "stride = window"), ("pool_ceil", "ceil", "ceil_mode"),
             ("pool_count_pad", "cip", "count_include_pad"), ("pool_two", "two", "two channels")]
    return us.UrlSchema("pool", [
        *us.input_params(IN, short="i"),
        us.UrlParam("pool_kind", "choice", d["pool_kind"], choices=list(KIND_NAMES),
                    name="kind", label="pooling kind"),
        *[us.UrlParam(key, "int", d[key], min=lo, max=hi, name=name, label=label)
          for key, name, lo, hi, label in ints],
        *[us.UrlParam(key, "bool", d[key], name=name, label=label)
          for key, name, label in bools],
        us.UrlParam("pool_p", "float", d["pool_p"], min=0.5, max=16.0, name="p",
                    label="power p"),
    ])


def names_in_language(names: dict[str, str]):
    """A ``format_func`` showing ``names[option]`` in this run's language.

    The language is fixed when the widget is drawn, so the labels stay the same wherever
    Streamlit calls the function later (AppTest calls it outside the script run).
    """
    translate = translations(current_language()).gettext
    return lambda option: translate(names[option])


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.all(np.asarray(a) == np.asarray(b)))
    return a == b


# ------------------------------------------------------------------------------ numbers


@st.cache_resource(max_entries=24, show_spinner=False)
def animation(x2d: np.ndarray, kind: str, kernel_size, stride, padding, dilation,
              ceil_mode: bool, count_include_pad: bool, norm_type: float, image: bool,
              lang: str, presenting: bool):
    """The animated figure for these settings, in ``lang``, enlarged for a projector when
    ``presenting`` (cached; read-only)."""
    settings = P.PoolSettings(kind, kernel_size, stride, padding, dilation, ceil_mode,
                              count_include_pad, norm_type)
    # On a projector two panels (input, output) at the larger size: the third grid's title
    # would run into the output's; its numbers stay under "Show as numbers".
    cell_px = grid_cell_px(presenting)
    if presenting:  # the input and output side by side must fit the projector's column
        out_w = settings.pool(x2d).shape[1]
        in_w = x2d.shape[1] + 2 * settings.padding[1]
        cell_px = min(cell_px, PROJECTOR_GRID_PX / (in_w + out_w + F.GAP_CELLS))
    fig = P.pool_animation_figure(x2d, settings, image=image, extra_panel=not presenting,
                                  max_cell_px=cell_px)
    return projector(fig) if presenting else fig


def projector(fig):
    """``fig`` enlarged for presenter mode, with room for its larger titles and text."""
    return P.make_room_for_large_text(presenter.scale_figure(fig, presenter.figure_scale(True)))


def show_grid(fig, file_name: str, key: str) -> None:
    """A static grid figure (its PNG camera on), enlarged in presenter mode."""
    shown = projector(fig) if presenter.presenter_mode() else fig
    controls.show_chart(shown, file_name, base=CHART_CONFIG, scale=False, key=key)


def animation_for(x2d: np.ndarray, s: P.PoolSettings, image: bool):
    with st.spinner(_("Building the animation…")):
        return animation(x2d, s.kind, s.kernel_size, s.stride, s.padding, s.dilation,
                         s.ceil_mode, s.count_include_pad, s.norm_type, image,
                         lang=current_language(), presenting=presenter.presenter_mode())


def grid_cell_px(presenting: bool | None = None) -> float | None:
    """Largest cell side of the page's grids: larger in presenter mode (None: the figure's
    own default)."""
    presenting = presenter.presenter_mode() if presenting is None else presenting
    return presenter.figure_scale(True)["max_cell_px"] if presenting else None


def pool_settings_from_widgets() -> P.PoolSettings:
    """Read the pooling widgets (drawn by :func:`settings_section`)."""
    ss = st.session_state
    kind = ss["pool_kind"]
    kernel = (int(ss["pool_kh"]), int(ss["pool_kw"]))
    stride = None if ss["pool_stride_auto"] else (int(ss["pool_sh"]), int(ss["pool_sw"]))
    padding = (0, 0) if kind == "lp" else (int(ss["pool_ph"]), int(ss["pool_pw"]))
    dilation = (int(ss["pool_dh"]), int(ss["pool_dw"])) if kind == "max" else (1, 1)
    return P.PoolSettings(kind, kernel, stride, padding, dilation, bool(ss["pool_ceil"]),
                          bool(ss["pool_count_pad"]), float(ss["pool_p"]))


# ------------------------------------------------------------------------------ sections


def presets_section() -> None:
    st.markdown(_("**The seeds' examples** (d2l 5.5, *Pooling*) — one click each:"))
    names = list(PRESETS)
    for row in (names[:2], names[2:4], names[4:]):  # two a row: every label fits at 1280 px
        cols = st.columns(2)
        for col, name in zip(cols, row, strict=True):
            col.button(_(PRESETS[name][0]), key=f"pool_preset_{name}", width="stretch",
                       on_click=state.set_values(preset_values(name)))


def kind_radio(*, horizontal: bool = False) -> str:
    """The pooling kind (drawn once a run: in the settings, or presenter mode's main row)."""
    return st.radio(_("Summary of each window"), list(KIND_NAMES), key="pool_kind",
                    horizontal=horizontal, format_func=names_in_language(KIND_NAMES))


def settings_section(*, kind_drawn: bool = False) -> tuple[controls.InputChoice, np.ndarray]:
    """The input, pooling and geometry settings; ``kind_drawn``: the kind radio is already
    on the page (presenter mode's main row)."""
    col_in, col_kind, col_geo = st.columns([1.1, 0.9, 1.2], gap="medium")
    with col_in, st.container(border=True):
        st.markdown(_("##### 1 · Input"))
        labels = {name: _(label) for name, label in INPUT_LABELS.items()}
        inp = controls.input_picker(IN, page="app_pages/pooling.py", labels=labels)
        if inp.note:
            st.caption(inp.note)
        two = st.checkbox(_("Two channels: X and X + 1 (pooled each on its own)"),
                          key="pool_two")
    with col_kind, st.container(border=True):
        st.markdown(_("##### 2 · Pooling"))
        kind = st.session_state["pool_kind"] if kind_drawn else kind_radio()
        st.number_input(_("Power p (Lp pooling: (Σ xᵖ)^(1/p))"), 0.5, 16.0, step=0.5,
                        key="pool_p", disabled=kind != "lp", format="%g", help=_(LP_CAVEAT))
        st.checkbox(_("count_include_pad (padding counts in the divisor)"),
                    key="pool_count_pad", disabled=kind != "avg",
                    help=_("Average pooling only. True (PyTorch's default): the zero padding "
                           "cells count in the divisor. False: divide by the real cells only."))
        st.checkbox(_("ceil_mode (keep a last, partial window)"), key="pool_ceil",
                    help=_("Round the output size up instead of down. PyTorch still drops a "
                           "window that would start in the right/bottom padding."))
    with col_geo, st.container(border=True):
        st.markdown(_("##### 3 · Window, stride, padding"))
        c1, c2 = st.columns(2)
        c1.number_input(_("Window ↓ (rows)"), 1, 8, key="pool_kh")
        c2.number_input(_("Window → (columns)"), 1, 8, key="pool_kw")
        auto = st.checkbox(_("Stride = window (PyTorch's default)"), key="pool_stride_auto")
        if auto:  # show the stride actually used; unticking starts from it
            st.session_state["pool_sh"] = st.session_state["pool_kh"]
            st.session_state["pool_sw"] = st.session_state["pool_kw"]
        c1, c2 = st.columns(2)
        c1.number_input(_("Stride ↓"), 1, 8, key="pool_sh", disabled=auto)
        c2.number_input(_("Stride →"), 1, 8, key="pool_sw", disabled=auto)
        c1, c2 = st.columns(2)
        c1.number_input(_("Padding ↓ (top and bottom)"), 0, 4, key="pool_ph",
                        disabled=kind == "lp",
                        help=_("At most half the window, as in PyTorch (more is explained)."))
        c2.number_input(_("Padding → (left and right)"), 0, 4, key="pool_pw",
                        disabled=kind == "lp")
        c1, c2 = st.columns(2)
        c1.number_input(_("Dilation ↓"), 1, 4, key="pool_dh", disabled=kind != "max")
        c2.number_input(_("Dilation →"), 1, 4, key="pool_dw", disabled=kind != "max")
        if kind == "lp":
            st.caption(_("PyTorch's `lp_pool2d` has no padding and no dilation."))
        elif kind == "avg":
            st.caption(_("Average pooling has no dilation (only max pooling does)."))
    x = inp.values
    if two:
        x = np.stack([x, x + 1.0])
    return inp, x


def explain_refusal(err: Exception, x: np.ndarray, s: P.PoolSettings) -> None:
    """The settings failed: convcore's reason, and for too much padding what would work."""
    st.error(_("**PyTorch refuses these settings.** {reason}").format(reason=err))
    too_much = any(2 * p > k for p, k in zip(s.padding, s.kernel_size, strict=True))
    if not too_much:
        st.info(_("Try a smaller window, more padding (up to half the window) or `ceil_mode`."))
        return
    valid = P.nearest_valid_padding(s.kernel_size, s.padding)
    with st.container(border=True):
        st.markdown(_(
            "**Why.** PyTorch's rule is: padding at most half the window. It is a rule, not a "
            "necessity: without dilation, every window still holds a real cell as long as the "
            "padding is smaller than the window; only padding ≥ the window can make a window "
            "of padding alone. **MXNet, the seeds' framework, only checks that the window fits "
            "in the padded input (kernel ≤ n + 2·pad); its max pooling ignores the padded "
            "cells, and its average pooling counts them in the divisor by default "
            "(count_include_pad=True).**"))
        try:
            fixed = P.PoolSettings(s.kind, s.kernel_size, s.stride, valid, s.dilation,
                                   s.ceil_mode, s.count_include_pad, s.norm_type)
            nearest = fixed.pool(x)
        except (ValueError, TypeError) as fix_err:
            st.markdown(_("The nearest valid padding {size} does not work either: {reason}")
                        .format(size=size_text(valid), reason=fix_err))
        else:
            st.markdown(_("**Nearest valid setting:** padding {pair} → `{output}`")
                        .format(pair=_pair(valid), output=P.pooled_row_text(nearest)))
            st.button(_("Use padding {pair}").format(pair=_pair(valid)), key="pool_fix_padding",
                      on_click=state.set_values({"pool_ph": valid[0], "pool_pw": valid[1]}))
        explicit_padding_note(x, s)
    preset = active_preset()
    if preset is not None:
        st.caption(_("Seeds' example: `{code}` (MXNet).").format(code=PRESETS[preset][2]))


def explicit_padding_note(x: np.ndarray, s: P.PoolSettings) -> None:
    """The seeds' (MXNet's) numbers, obtained under PyTorch's rules by padding by hand."""
    if s.kind == "lp" or (s.kind == "avg" and not s.count_include_pad):
        return
    try:
        out = P.explicit_padding_pool(x, s)
    except (ValueError, TypeError):
        return
    fill = "−∞" if s.kind == "max" else "0"
    st.markdown(_(
        "**The seeds' numbers under PyTorch's rules:** pad the input by hand with {fill} "
        "first, then pool with no padding — PyTorch accepts that, and it is what MXNet "
        "computes: `{output}`").format(fill=fill, output=P.pooled_row_text(out)))
    st.code("import torch.nn.functional as F\n" + P.torch_explicit_padding_call(s),
            language="python", wrap_lines=True)


def _pair(pair) -> str:
    return f"({pair[0]}, {pair[1]})"


def result_section(x: np.ndarray, s: P.PoolSettings, out: np.ndarray,
                   inp: controls.InputChoice) -> None:
    in_hw = x.shape[-2:]
    sentence = (_("**{in_size}** input ({input}, 2 channels) · {settings} → **{out_size}** "
                  "output") if x.ndim == 3 else
                _("**{in_size}** input ({input}) · {settings} → **{out_size}** output"))
    st.markdown(sentence.format(in_size=size_text(in_hw), input=inp.label,
                                settings=s.describe(), out_size=size_text(out.shape[-2:])))
    st.code("\n".join(P.shape_lines(in_hw, s)), language=None)
    if out.size <= MAX_PRINTED_CELLS:
        st.markdown(_("Output: `{output}`").format(output=P.pooled_row_text(out)))
    non_finite_notes(x, s, out)
    preset = active_preset()
    if preset is not None:
        st.caption(_("Seeds' example: `{code}` (MXNet), here computed by convcore with "
                     "PyTorch's rules.").format(code=PRESETS[preset][2]))


def non_finite_notes(x: np.ndarray, s: P.PoolSettings, out: np.ndarray) -> None:
    """Explain NaN and −∞ where they appear, and Lp pooling on signed values."""
    if s.kind == "lp" and np.any(x < 0):
        st.caption(_("**Negative values.** {caveat}").format(caveat=_(LP_CAVEAT)))
    if np.any(np.isnan(out)):
        st.warning(_("**NaN** (not a number) in the output: in these windows the sum of the "
                     "p-th powers is negative, or a negative value is raised to a fractional "
                     "power p, and its p-th root is not a real number. PyTorch returns NaN "
                     "too."))
    if np.any(np.isneginf(out)):
        st.warning(_("**−∞** in the output: the dilated window's taps land on padding only, "
                     "skipping every real cell, so the maximum is over padding (−∞). PyTorch's "
                     "half-window limit on the padding does not prevent this."))


#: What the animation's caption says about each kind's marks and third grid.
ANIMATION_LEGENDS = {
    "max": N_("The **orange frame** is the winning cell (the index `return_indices` gives)."),
    "avg": N_("Each step divides the window's sum by the **divisor actually used**."),
    "lp": N_("Each step raises the window's values to the power p, adds them and takes the "
             "p-th root (for p = 2: the length of the window as a vector)."),
}
#: What the third grid of the animation shows (not drawn in presenter mode).
THIRD_GRID_NOTES = {
    "max": N_("The third grid lists those indices (row × width + column), each one appearing "
              "when its window has been pooled — predict it first."),
    "avg": N_("The third grid shows the divisor of every output cell already computed (it "
              "shrinks at the borders when padding is not counted or a ceil-mode window "
              "hangs over the edge)."),
}


def animation_section(x: np.ndarray, s: P.PoolSettings, image: bool) -> None:
    channel = 0
    if x.ndim == 3:
        channel = st.radio(_("Animate channel"), [0, 1], key="pool_anim_channel",
                           horizontal=True, format_func=lambda c: ["X", "X + 1"][c])
    x2d = x[channel] if x.ndim == 3 else x
    fig = animation_for(np.ascontiguousarray(x2d), s, image)
    how, rows = F.plan_steps(tuple(fig.layout.meta["out_hw"]))
    if how == "row":
        st.info(_("The output is large, so each step computes a whole output row ({n} steps).")
                .format(n=len(rows)))
    with a11y.main_figure():
        st.plotly_chart(fig, width="content", theme=None, key=ANIMATION_CHART,
                        config=PNG_CONFIG)
    a11y.animation_keys(ANIMATION_CHART, _("Pooling animation"))
    a11y.text_legend(legend_items(s.kind, has_padding=s.padding != (0, 0) or s.ceil_mode))
    legend = _(ANIMATION_LEGENDS[s.kind])
    if len(fig.layout.meta["panels"]) == 3:
        legend = _("{legend} {third_grid}").format(legend=legend,
                                                   third_grid=_(THIRD_GRID_NOTES[s.kind]))
    st.caption(_("▶ plays, ❚❚ pauses, drag the slider to step (or use the keys above). "
                 "{legend}").format(legend=legend))
    numbers_section(x2d, s)


def legend_items(kind: str, *, has_padding: bool) -> list:
    """The animation's marks in words, each with a drawn swatch (no colour alone, no emoji)."""
    items = [a11y.LegendItem(_("window: thick black frame"), "#ffffff", "3px solid #111111")]
    if kind == "max":
        items.append(a11y.LegendItem(_("winner: orange-red frame, bold in the step's sum"),
                                     "#ffffff", f"3px solid {F.PICK_COLOR}"))
    if has_padding:
        items.append(a11y.LegendItem(_("padding: hatched grey, dashed border"), "#eceef2",
                                     "2px dashed #596275", hatch=True))
    items.append(a11y.LegendItem(_("not computed yet: plain grey"), F.COVER_FILL,
                                 "1px solid #c9ced8"))
    return items


def grid_table(values, caption: str) -> str:
    """One grid as an HTML table with translated row and column headers."""
    rows, cols = np.shape(values)
    return a11y.grid_table_html(values, caption,
                                row_labels=[_("row {i}").format(i=i) for i in range(rows)],
                                col_labels=[_("column {j}").format(j=j) for j in range(cols)])


def numbers_section(x2d: np.ndarray, s: P.PoolSettings) -> None:
    """The animation's grids as tables a screen reader can walk (the input, the output and,
    for max pooling, the winners' indices — opened on demand, like a reveal)."""
    out = s.pool(x2d)
    tables = [grid_table(x2d, _("Input {size}").format(size=size_text(x2d.shape))),
              grid_table(out, _("Output {size}").format(size=size_text(out.shape)))]
    if s.kind == "max":
        tables.append(grid_table(s.argmax(x2d), _("Winner index (row × width + column) of "
                                                  "each output cell")))
    elif s.kind == "avg":
        tables.append(grid_table(P.divisor_map(x2d.shape, s),
                                 _("Divisor used for each output cell")))
    with st.expander(_("Show as numbers: the grids of the animation")):
        st.html("".join(tables))


def channels_section(x: np.ndarray, out: np.ndarray) -> None:
    st.markdown(_("**Two channels, pooled each on its own:** C channels in, C channels out. "
                  "(A convolution would add the channels up; pooling never mixes them.)"))
    fig = P.channels_figure(x, out, titles=["X", "X + 1"], max_cell_px=grid_cell_px())
    show_grid(fig, "pooling_channels", "pool_channels_chart")
    names = ["X", "X + 1"]
    with st.expander(_("Show as numbers: both channels and their pooled outputs")):
        st.html("".join(
            [grid_table(x[c], _("Input channel {name}").format(name=names[c])) for c in (0, 1)]
            + [grid_table(out[c], _("Output from channel {name}").format(name=names[c]))
               for c in (0, 1)]))


def torch_section(s: P.PoolSettings, out: np.ndarray, x: np.ndarray) -> None:
    with st.expander(_("PyTorch for this view")):
        shape = "(1, 2, H, W)" if x.ndim == 3 else "(1, 1, H, W)"
        st.code(f"import torch.nn.functional as F\n# x: a float tensor of shape {shape}\n"
                f"out = {s.torch_call()}\n# out.shape[-2:] == {tuple(out.shape[-2:])}",
                language="python", wrap_lines=True)


def pooling_section() -> None:
    """Presets and settings, the result, the animation.

    Normally in that order. In presenter mode a projector layout: the kind of pooling as the
    one row of main controls, the animation right below it, then the result, and the presets
    and other settings folded away. The containers are created in display order and filled
    in computation order (settings first).
    """
    presenting = presenter.presenter_mode()
    if presenting:
        with presenter.main_controls():
            kind_radio(horizontal=True)
        figure_box, result_box = st.container(), st.container()
        settings_box = presenter.advanced_controls(_("Presets, input and window settings"))
    else:
        settings_box, result_box, figure_box = st.container(), st.container(), st.container()
    with settings_box:
        presets_section()
        inp, x = settings_section(kind_drawn=presenting)
    s = pool_settings_from_widgets()
    try:
        out = s.pool(x)
    except (ValueError, TypeError) as err:
        with result_box:
            explain_refusal(err, x, s)
            code_panel.pool_panel("pool_code", x, s)
        return
    with result_box:
        result_section(x, s, out, inp)
        with st.expander(_("Download the pooled output")):
            download_array_buttons(_("Pooled output"), out, key="pool_dl_out",
                                   file_stem="pooled_output")
    with figure_box:
        animation_section(x, s, inp.image)
        if x.ndim == 3:
            channels_section(x, out)
        torch_section(s, out, x)
        code_panel.pool_panel("pool_code", x, s)


# ------------------------------------------------------------------------------ translation


def translation_section() -> None:
    st.subheader(_("Translation invariance: shift the input by a pixel"))
    st.markdown(_(
        "A convolution is *equivariant*: shift its input and its output shifts by the same "
        "amount (away from the borders) — the same values in new places. How many output "
        "cells change value depends on the image: none for a shift along a straight edge, "
        "many for a shift across it. A pooling layer after it reports *what is "
        "somewhere in each window*, not exactly where — after a small shift many pooled "
        "cells stay the same. (d2l: with 2×2 max pooling, a pattern the convolution found is "
        "still detected if it moves by one element.)"))
    col_in, col_k, col_set = st.columns([1.1, 1, 1], gap="medium")
    with col_in, st.container(border=True):
        st.markdown(_("##### Input"))
        inp = controls.input_picker(TI_IN, default="edge")
    with col_k, st.container(border=True):
        st.markdown(_("##### Convolution kernel"))
        kern = controls.kernel_editor(TI_K, default="edge", label=_("Kernel"))
    with col_set, st.container(border=True):
        st.markdown(_("##### Shift and pooling"))
        direction = st.radio(_("Shift the input"), list(DIRECTIONS), key="pool_ti_dir",
                             horizontal=True, index=list(DIRECTIONS).index("left"),
                             format_func=names_in_language(DIRECTION_NAMES))
        amount = st.slider(_("by (pixels)"), 1, 3, 1, key="pool_ti_px")
        kind = st.radio(_("Pooling"), ["max", "avg"], key="pool_ti_kind", horizontal=True,
                        format_func=names_in_language(KIND_NAMES))
        window = st.slider(_("Window"), 2, 4, 2, key="pool_ti_window")
        stride_one = st.checkbox(_("Stride 1 (unchecked: stride = window, PyTorch's default)"),
                                 value=False, key="pool_ti_stride1")
    settings = P.PoolSettings(kind, (window, window), (1, 1) if stride_one else None)
    dy, dx = DIRECTIONS[direction]
    try:
        cmp = P.translation_comparison(inp.values, kern.values, settings,
                                       (dy * amount, dx * amount))
        sweep = P.shift_sweep(inp.values, kern.values, settings, [1, 2, 3], (dy, dx))
    except (ValueError, TypeError) as err:
        st.warning(_("**Nothing to compare with these settings.** {reason} Try a larger input, "
                     "a smaller kernel or a smaller pooling window.").format(reason=err))
        return
    st.caption(_("The input is {shifted}; the cells it leaves repeat the edge. Then X ⋆ K "
                 "(⋆: cross-correlation, what a convolutional layer computes) and {settings} "
                 "of X ⋆ K are compared cell by cell.")
               .format(shifted=_(SHIFTED[direction]).format(n=amount),
                       settings=settings.describe()))
    presenting = presenter.presenter_mode()
    if presenting:  # two a row: each label fits its column at a projector's font size
        m1, m2 = st.columns(2)
        m3, m4 = st.columns(2)
    else:
        m1, m2, m3, m4 = st.columns(4)
    m1.metric(_("Convolution: cells changed"), f"{cmp.conv_changed:.0%}")
    m2.metric(_("After pooling: cells changed"), f"{cmp.pool_changed:.0%}",
              delta=_("{delta} points").format(
                  delta=f"{(cmp.pool_changed - cmp.conv_changed) * 100:+.0f}"),
              delta_color="inverse")
    m3.metric(_("Convolution: mean |change|"), format_number(cmp.conv_mean_abs))
    m4.metric(_("After pooling: mean |change|"), format_number(cmp.pool_mean_abs))
    cell_px = grid_cell_px() or 40
    for stage in ("conv", "pool"):
        if presenting:  # one panel a figure: large cells, titles that do not collide
            for panel in P.SHIFT_PANELS:
                show_grid(P.shift_grid_figure(cmp, stage, max_cell_px=cell_px, which=[panel]),
                          f"pooling_shift_{stage}_{panel}", f"pool_ti_{stage}_{panel}_chart")
        else:
            show_grid(P.shift_grid_figure(cmp, stage, max_cell_px=cell_px),
                      f"pooling_shift_{stage}", f"pool_ti_{stage}_chart")
    with st.expander(_("Show as numbers: before and after the shift")):
        st.html("".join([
            grid_table(cmp.conv, _("X ⋆ K (convolution output)")),
            grid_table(cmp.conv_shifted, _("X ⋆ K of the shifted input")),
            grid_table(cmp.pooled, _("pool(X ⋆ K) (after pooling)")),
            grid_table(cmp.pooled_shifted, _("pool(X ⋆ K) of the shifted input")),
        ]))
    controls.show_chart(P.shift_bars_figure(sweep,
                                            title=_("Cells changed by a shift of 1, 2, 3 px"),
                                            font_px=24 if presenting else 12),
                        "pooling_shift_bars", base=CHART_CONFIG, scale=False,
                        key="pool_ti_bars_chart")
    st.caption("\n".join(  # the bars in words, one line per shift
        "- " + _("Shift {n} px: {conv} of the convolution's cells changed, {pool} after pooling.")
        .format(n=max(abs(c.shift[0]), abs(c.shift[1])), conv=f"{c.conv_changed:.0%}",
                pool=f"{c.pool_changed:.0%}") for c in sweep))
    if cmp.pool_changed < cmp.conv_changed:
        verdict = _("Shifting by {n} px changed **{conv}** of the convolution's output cells "
                    "and **{pool}** of the pooled cells — fewer after pooling.")
    elif cmp.pool_changed == cmp.conv_changed:
        verdict = _("Shifting by {n} px changed **{conv}** of the convolution's output cells "
                    "and **{pool}** of the pooled cells — as many after pooling.")
    else:
        verdict = _("Shifting by {n} px changed **{conv}** of the convolution's output cells "
                    "and **{pool}** of the pooled cells — more after pooling.")
    caveat = _("The invariance holds only for shifts smaller than the window and stride, "
               "and even then only approximately: a shift that carries a feature across a "
               "window border (try shifting *right*) changes the pooled cell, and larger "
               "shifts (see the bars) change the pooled map too.")
    verdict = verdict.format(n=amount, conv=f"{cmp.conv_changed:.0%}",
                             pool=f"{cmp.pool_changed:.0%}")
    # Two sentences: a space between them in English, none in Chinese.
    st.markdown(_("{verdict} {caveat}").format(verdict=verdict, caveat=caveat))


# ------------------------------------------------------------------------------ photo


@st.cache_data(max_entries=8, show_spinner=False)
def photo_results(image_key: str, _gray: np.ndarray, window: int):
    """The photo shrunk for display, and its pooled versions (cached per photo and window)."""
    shown = downsample(_gray, (PHOTO_SIDE, PHOTO_SIDE))
    return shown, P.photo_pooled(shown, window)


#: Captions of the pooled photos (``{size}``: ``64×48 px``; ``{k}``: the window).
PHOTO_CAPTIONS = {
    "max": N_("Max pooled: {size} ({fewer}× fewer pixels), drawn at the input's size"),
    "avg": N_("Average pooled: {size} ({fewer}× fewer pixels), drawn at the input's size"),
    "subsample": N_("Every {nth} pixel: {size} ({fewer}× fewer pixels), drawn at the input's "
                    "size"),
}
#: What each pooled photo shows, for a screen reader (``{k}``: the window).
PHOTO_ALTS = {
    "max": N_("The photo max pooled with a {k}×{k} window: each block replaced by its "
              "brightest pixel, shown enlarged in blocks."),
    "avg": N_("The photo average pooled with a {k}×{k} window: each block replaced by its "
              "mean, a blurred copy shown enlarged in blocks."),
    "subsample": N_("The photo subsampled: the top-left pixel of each {k}×{k} block kept, "
                    "shown enlarged in blocks."),
}


def photo_section() -> None:
    st.subheader(_("Pooling as downsampling"))
    st.markdown(_("With stride = window, pooling shrinks a map by the window size on each "
                  "side. On a photo: max pooling keeps the brightest pixel of each block (thin "
                  "bright lines survive, dark ones vanish), average pooling blurs, and keeping "
                  "every k-th pixel (a 1×1 window with stride k) can miss details altogether."))
    c1, c2 = st.columns([1, 1])
    with c1:
        photo = controls.image_source(PHOTO, label=_("Photo"), default="house.png")
    with c2:
        window = st.select_slider(_("Window = stride"), [2, 4, 8], value=4,
                                  key="pool_photo_window")
    if photo is None:
        return
    try:
        with st.spinner(_("Pooling the photo…")):
            shown, pooled = photo_results(photo.key, photo.gray, int(window))
    except (ValueError, TypeError) as err:
        st.warning(_("This photo cannot be pooled with a {k}×{k} window: {reason}")
                   .format(k=window, reason=err))
        return
    k = int(window)
    cols = st.columns(4)
    size = P.image_size_text(shown)
    caption = (_("Input: {size}").format(size=size) if shown.shape == photo.gray.shape else
               _("Input: {size} (shrunk from {original} for display)")
               .format(size=size, original=P.image_size_text(photo.gray)))
    cols[0].image(to_uint8(shown), width="stretch", caption=caption,
                  alt=_("The photo before pooling, in grey levels ({size}).").format(size=size))
    # English says "4th"; other languages write the number (their sentence places it).
    nth = P.ordinal(k) if current_language() == "en" else str(k)
    for col, (name, img) in zip(cols[1:], pooled.items(), strict=True):
        col.image(to_uint8(P.pixelated(img, k)), width="stretch",
                  caption=_(PHOTO_CAPTIONS[name]).format(size=P.image_size_text(img),
                                                         fewer=k * k, k=k, nth=nth),
                  alt=_(PHOTO_ALTS[name]).format(k=k))


# ------------------------------------------------------------------------------ page


URL = url_schema()


def main() -> None:
    us.sync_from_url(URL)
    state.init_defaults(preset_values("max2"))
    st.title(_("Pooling"))
    if presenter.show_if_not_presenting():
        st.markdown(_(
            "A pooling layer slides a window like a convolution but has **no weights**: it "
            "replaces each window by a summary — its **maximum**, its **average**, or its "
            "**Lp power average** `(Σ xᵖ)^(1/p)`, the Lp norm of the window when its values "
            "are ≥ 0. It makes the layer less sensitive to exactly where a feature is, and "
            "(with a stride) shrinks the map."))
    pooling_section()
    st.divider()
    translation_section()
    st.divider()
    photo_section()
    us.sync_to_url(URL)
    with st.expander(_("Share this view")):
        us.share_link_box()


main()
