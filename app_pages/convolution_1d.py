"""Convolution in 1-D: convolution as a signal operation (issue 14).

Thin page, read top to bottom like the lesson (the Chinese notes' stomach story, Goodfellow
9.1, the lecture notes' uses of 1-D and 3-D): widgets → numbers (convcore.stomach, signals,
trace, volume, conv1d / conv2d / conv3d / convolve2d) → figures (ui.figures_signals; the
sliding window reuses ui.figures.animation_figure on a 1×L picture). Six sections: the
stomach; commutativity and the flip; discrete 1-D convolution step by step; real 1-D data;
back to 2-D; 3-D. Every widget key starts with ``c1_``; every setting lives in the URL.

Maintainers: the stomach animation is the main figure (``a11y.main_figure``) and is built
client-side (one frame per 10 minutes, 145 frames, ~0.34 MB of JSON; see
benchmarks/bench_signals.py). Typed lists (signals, kernels, the digestion table, the
sentence) keep the last valid value when the new one is refused. Formulas are plain text
(Σ, ∫, ∗), neither in backticks (tests/app/test_printed_code.py runs every backticked call)
nor in LaTeX (KaTeX's hidden MathML is measured as cut text by the presenter harness). In
presenter mode the 1-D sliding window and the 2-D grids are drawn vertically, so that
their numbers reach 24 px in the 700 px column.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import convcore
from convcore import signals as sig
from convcore import stomach as sto
from convcore import volume as vol
from convcore.padding import pad as pad_values
from convcore.trace import cell_arithmetic_1d, format_number, window_trace_1d
from ui import a11y, controls, i18n, presenter
from ui import figures as F
from ui import figures_signals as FS
from ui import url_state as us
from ui.i18n import N_, _, current_language

P = "c1"  # prefix of every session-state key of this page
CHART_CONFIG = {"displaylogo": False}

# 1 · the stomach
CURVE, HALF, TABLE, EAT, T = f"{P}_curve", f"{P}_half", f"{P}_table", f"{P}_eat", f"{P}_t"
MEAL_KEYS = {"breakfast": (f"{P}_bt", f"{P}_ba"), "lunch": (f"{P}_lt", f"{P}_la"),
             "dinner": (f"{P}_dt", f"{P}_da")}
MAIN_CHART = f"{P}_stomach_chart"
# 2 · commutativity
SIG_F, SIG_K, DECAY, WLEN = f"{P}_f", f"{P}_k", f"{P}_decay", f"{P}_wlen"
# 3 · step by step
SIG_X, KPRESET, KSIZE, PAD, PMODE, STRIDE, DIL, CELL, LAYERS = (
    f"{P}_x", f"{P}_kp", f"{P}_ks", f"{P}_pad", f"{P}_pm", f"{P}_s", f"{P}_d", f"{P}_i",
    f"{P}_layers")
SW_CHART = f"{P}_sw_chart"
# 4 · data
SERIES, WIN, TEXT, NGRAM = f"{P}_series", f"{P}_win", f"{P}_text", f"{P}_ngram"
# 5 · 2-D
NA, NB = f"{P}_na", f"{P}_nb"
# 6 · 3-D
DIRECTION, KDIR = f"{P}_dir", f"{P}_kdir"

CURVES = {"exponential": N_("exponential"), "tabulated": N_("table")}
MEAL_NAMES = {"breakfast": N_("Breakfast"), "lunch": N_("Lunch"), "dinner": N_("Dinner")}
KERNEL_NAMES = {"moving average": N_("moving average"), "difference": N_("difference [1, −1]"),
                "second difference": N_("second difference [1, −2, 1]"),
                "gaussian": N_("Gaussian")}
PADDINGS = {"valid": N_("valid (none)"), "same": N_("same"), "full": N_("full"),
            "causal": N_("causal (left only)")}
PADDING_MODES = {"zeros": N_("zeros"), "reflect": N_("reflect"), "replicate": N_("replicate"),
                 "circular": N_("circular")}
SERIES_NAMES = {"temperatures": N_("daily temperatures (a year)"),
                "chirp": N_("audio-like chirp")}
DIRECTION_NAMES = {"right": N_("right"), "left": N_("left"), "down": N_("down"),
                   "up": N_("up")}

DEFAULT_TABLE = "0:1, 1:0.8, 3:0.3, 6:0"
#: The sentence and n-gram used while the boxes are empty, in the page's language (data,
#: not prose: a Chinese reader gets a Chinese sentence, each character one channel).
TEXT_EXAMPLES = {"en": ("the cat sat on the mat", "at"), "zh": ("我爱吃米饭，你爱吃面条", "爱吃")}
MAX_SIGNAL = 24  # typed signals: at most 24 numbers (one cell each in the animation)
MAX_TEXT = 60
DEFAULTS = {CURVE: "exponential", HALF: 3.0, TABLE: DEFAULT_TABLE, EAT: 30, T: 14.0,
            MEAL_KEYS["breakfast"][0]: 7.5, MEAL_KEYS["breakfast"][1]: 1.0,
            MEAL_KEYS["lunch"][0]: 12.0, MEAL_KEYS["lunch"][1]: 1.5,
            MEAL_KEYS["dinner"][0]: 19.0, MEAL_KEYS["dinner"][1]: 2.0,
            SIG_F: "1, 2, 3", SIG_K: "0, 1, 0.5", DECAY: 0.6, WLEN: 5,
            SIG_X: "1, 1, 0, 0, 0, 0, 1, 1", KPRESET: "difference", KSIZE: 3, PAD: "valid",
            PMODE: "zeros", STRIDE: 1, DIL: 1, CELL: 1, LAYERS: 4,
            SERIES: "temperatures", WIN: 7, TEXT: "", NGRAM: "",
            NA: -1, NB: -1, DIRECTION: "right", KDIR: "right"}


def _url_params() -> list[us.UrlParam]:
    def num(key, kind, low, high, name, label):
        return us.UrlParam(key, kind, DEFAULTS[key], min=low, max=high, name=name, label=label)

    def choice(key, options, name, label):
        return us.UrlParam(key, "choice", DEFAULTS[key], choices=list(options), name=name,
                           label=label)

    def text(key, name, label, max_len=120):
        return us.UrlParam(key, "str", DEFAULTS[key], name=name, label=label, max_len=max_len)

    meals = []
    for meal, (tk, ak) in MEAL_KEYS.items():
        meals += [num(tk, "float", 0.0, 23.5, f"{meal[0]}t", N_("meal time")),
                  num(ak, "float", 0.0, 5.0, f"{meal[0]}a", N_("meal amount"))]
    return [
        choice(CURVE, CURVES, "g", N_("digestion curve")),
        num(HALF, "float", 0.5, 12.0, "half", N_("half-life")),
        text(TABLE, "tab", N_("digestion table"), 80),
        num(EAT, "int", 0, 120, "eat", N_("eating time")),
        num(T, "float", 0.0, 24.0, "t", N_("time t")),
        *meals,
        text(SIG_F, "f", N_("signal f"), 100),
        text(SIG_K, "k", N_("kernel g"), 100),
        num(DECAY, "float", 0.1, 1.0, "decay", N_("decay")),
        num(WLEN, "int", 1, 20, "wlen", N_("readings averaged")),
        text(SIG_X, "x", N_("signal"), 160),
        choice(KPRESET, KERNEL_NAMES, "kp", N_("kernel")),
        num(KSIZE, "int", 2, 7, "ks", N_("kernel size")),
        choice(PAD, PADDINGS, "pad", N_("padding")),
        choice(PMODE, PADDING_MODES, "pm", N_("padding mode")),
        num(STRIDE, "int", 1, 3, "s", N_("stride")),
        num(DIL, "int", 1, 3, "d", N_("dilation")),
        num(CELL, "int", 0, 200, "i", N_("output cell")),
        num(LAYERS, "int", 1, 6, "layers", N_("layers")),
        choice(SERIES, SERIES_NAMES, "series", N_("time series")),
        num(WIN, "int", 1, 31, "win", N_("window")),
        text(TEXT, "text", N_("sentence"), MAX_TEXT),
        text(NGRAM, "ngram", N_("n-gram"), 4),
        num(NA, "int", -1, 1, "na", N_("neighbour column offset")),
        num(NB, "int", -1, 1, "nb", N_("neighbour row offset")),
        choice(DIRECTION, DIRECTION_NAMES, "dir", N_("direction of motion")),
        choice(KDIR, DIRECTION_NAMES, "kdir", N_("kernel direction")),
    ]


URL = us.UrlSchema(P, _url_params())


# ------------------------------------------------------------------------------ helpers


def _presenting() -> bool:
    return presenter.presenter_mode()


def _width() -> int:
    """Width the figures may take: the page's column (narrower on a 1280 px projector)."""
    return 700 if _presenting() else 900


def _show(fig, name: str, **kwargs):
    return controls.show_chart(fig, name, base=CHART_CONFIG, scale=True, **kwargs)


def _header(text: str) -> None:
    st.header(text)


def parse_numbers(text: str, *, what: str, max_count: int = MAX_SIGNAL) -> np.ndarray:
    """``"1, 2, 3"`` (commas or spaces) → ``array([1., 2., 3.])``; ValueError with one
    sentence when it is not a list of 1 to ``max_count`` finite numbers."""
    tokens = [tok for tok in str(text).replace(",", " ").replace(";", " ").split() if tok]
    if not tokens:
        raise ValueError(_("The {what} is empty: type numbers separated by commas.").format(
            what=what))
    if len(tokens) > max_count:
        raise ValueError(_("The {what} has {n} numbers; at most {m} are allowed here.").format(
            what=what, n=len(tokens), m=max_count))
    values = []
    for tok in tokens:
        try:
            v = float(tok.replace("−", "-"))
        except ValueError:
            raise ValueError(_("“{tok}” in the {what} is not a number.").format(
                tok=tok, what=what)) from None
        if not np.isfinite(v) or abs(v) > 1000:
            raise ValueError(_("The {what} takes numbers between −1000 and 1000, not "
                               "{tok}.").format(what=what, tok=tok))
        values.append(v)
    return np.array(values)


def parse_table(text: str) -> sto.Digestion:
    """``"0:1, 1:0.8, 3:0.3, 6:0"`` → a tabulated digestion curve (hours:fraction pairs)."""
    hours, fractions = [], []
    for item in [p for p in str(text).replace(";", ",").split(",") if p.strip()]:
        left, sep, right = item.partition(":")
        try:
            if not sep:
                raise ValueError
            hours.append(float(left))
            fractions.append(float(right))
        except ValueError:
            raise ValueError(_("Write the digestion table as hours:fraction pairs, e.g. "
                               "{example}; “{item}” is not one.").format(
                example=DEFAULT_TABLE, item=item.strip())) from None
    if len(hours) > 12:
        raise ValueError(_("The digestion table takes at most 12 points."))
    try:
        return sto.Digestion.tabulated(hours, fractions)
    except (TypeError, ValueError) as err:
        raise ValueError(_("The digestion table was refused: {reason}.").format(
            reason=str(err))) from None


def _valid(key: str, parse, what: str):
    """The parsed value of a text box, or — when it is refused — one sentence and the last
    valid value (the page keeps its previous state)."""
    store = f"{key}__valid"
    try:
        value = parse(st.session_state[key])
    except ValueError as err:
        st.error(str(err) + " " + _("The last valid {what} is used.").format(what=what),
                 icon=":material/error:")
        st.session_state.setdefault(store, DEFAULTS[key])
        return parse(st.session_state[store])
    st.session_state[store] = st.session_state[key]
    return value


def _list_text(values) -> str:
    return "[" + ", ".join(format_number(v, digits=4) for v in values) + "]"


# ------------------------------------------------------------------------------ 1 · stomach


@st.cache_data(max_entries=32, show_spinner=False)
def stomach_data(meals: tuple, curve: str, half_life: float, table: str):
    digestion = sto.Digestion.exponential(half_life) if curve == "exponential" \
        else parse_table(table)
    frames = sto.stomach_frames(meals, digestion)
    integral = sto.stomach_integral(meals, digestion, frames.x)
    return frames, integral


@st.cache_resource(max_entries=32, show_spinner=False)
def stomach_chart(meals: tuple, curve: str, half_life: float, table: str, initial: int,
                  width: int, lang: str):
    frames, _integral = stomach_data(meals, curve, half_life, table)
    return FS.stomach_animation_figure(frames, initial=initial, width=width)


def _meals() -> tuple[sto.Meal, ...]:
    minutes = int(st.session_state[EAT])
    return tuple(sto.Meal(float(st.session_state[tk]), float(st.session_state[ak]),
                          minutes / 60) for tk, ak in MEAL_KEYS.values())


def _meal_editor() -> None:
    st.markdown(_("**Meals** (time in hours, 7.5 = 07:30; amount in bowls of rice)"))
    cols = st.columns(4)
    for k, (meal, (tk, ak)) in enumerate(MEAL_KEYS.items()):
        cols[k].number_input(_("{meal}: time").format(meal=_(MEAL_NAMES[meal])), 0.0, 23.5,
                             key=tk, step=0.5, format="%.1f")
        cols[k].number_input(_("{meal}: amount").format(meal=_(MEAL_NAMES[meal])), 0.0, 5.0,
                             key=ak, step=0.5, format="%.1f")
    cols[3].number_input(_("Eating time (minutes; 0 = a spike)"), 0, 120, key=EAT, step=10)


def stomach_section() -> None:
    title = _("1 · The stomach: s(t) = ∫ f(x) g(t − x) dx")
    if _presenting():
        st.markdown("##### " + title)
    else:
        _header(title)
        st.markdown(_(
            "The Chinese notes' story (卷积的物理意义). **f(x)** is what you eat at time x; "
            "**g(a)** is the fraction of a meal still in your stomach a hours after eating it "
            "(it only falls, like e^(−a)). Rice eaten at 12:00 has been there 14 − 12 hours "
            "at 14:00, so what is left of it is f(12)·g(14 − 12). Add up every meal before t "
            "and you get what is in your stomach at t: **s(t) = ∫ f(x)·g(t − x) dx**. Drawn "
            "against x, the weights g(t − x) are g **flipped** and slid to t: the latest meal "
            "meets the start of g (hardly "
            "digested), the oldest meets its tail (almost gone). That flip is the one in the "
            "definition of convolution."))
    with presenter.main_controls():
        curve = st.radio(_("Digestion curve g"), list(CURVES), key=CURVE, horizontal=True,
                         format_func=i18n.option_labels(CURVES), width="content")
        if curve == "exponential":
            st.slider(_("Half-life (hours)"), 0.5, 12.0, key=HALF, step=0.5, width=190)
        else:
            st.text_input(_("Digestion table (hours:fraction)"), key=TABLE, width=230,
                          help=_("g is linear between the points and 0 after the last one"))
        st.slider(_("Time t"), 0.0, 24.0, key=T, step=1 / 6, format="%.2f", width=190,
                  help=_("The frame drawn before Play; the sums below are at this time"))
    if not _presenting():
        _meal_editor()
    table = DEFAULT_TABLE
    if curve == "tabulated":
        _valid(TABLE, parse_table, _("digestion table"))
        table = st.session_state[f"{TABLE}__valid"]
    meals = _meals()
    half = float(st.session_state[HALF])
    frames, integral = stomach_data(meals, curve, half, table)
    t = float(st.session_state[T])
    j = int(np.argmin(np.abs(frames.x - t)))
    fig = stomach_chart(meals, curve, half, table, j, _width(), current_language())
    with a11y.main_figure():
        _show(fig, "stomach", key=MAIN_CHART)
    a11y.animation_keys(MAIN_CHART, _("Stomach animation: the flip and the slide"))
    digestion = sto.Digestion.exponential(half) if curve == "exponential" else \
        parse_table(table)
    exact = (sto.stomach_closed_form(meals, [t], half)[0] if curve == "exponential"
             else integral[j])
    a11y.live_region(_("At **t = {t}**: s(t) = **{s}** (the area under the hatched product, "
                       "10-minute grid); exact {exact}.").format(
        t=FS.clock(frames.x[j]), s=format_number(frames.area[j], digits=4),
        exact=format_number(exact, digits=4)), markdown=True)
    st.caption(_("Press Play. Top: the meals f(x) in blue and the product f(x)·g(t − x) "
                 "hatched in vermillion; its area is s(t). Middle: the green curve g(t − x) "
                 "slides right with t (dashed grey: g(a) before the flip). Bottom: s(t) so "
                 "far."))
    if _presenting():
        with presenter.advanced_controls(_("Meals")):
            _meal_editor()
    else:
        _continuous_and_discrete(frames, integral, digestion, meals, curve, half, t)


def _continuous_and_discrete(frames, integral, digestion, meals, curve, half, t) -> None:
    st.subheader(_("The integral and the hourly sum, side by side"))
    grid_t = frames.x
    fine = np.linspace(0, 24, 24 * 6 + 1)
    closed = sto.stomach_closed_form(meals, fine, half) if curve == "exponential" else None
    fine_integral = sto.stomach_integral(meals, digestion, fine)
    f_hour = sto.meals_on_the_hour(meals, 24)
    s_hour = sto.stomach_hourly(f_hour, digestion)
    n = min(round(t), 23)
    terms = sto.stomach_hourly_terms(f_hour, digestion, n)
    left, right = st.columns(2)
    with left:
        st.markdown(_("**Continuous** — s(t) = ∫ f(x)·g(t − x) dx at t = {t}").format(
            t=FS.clock(t)))
        rows = [{_("method"): _("Riemann sum on the 10-minute grid (the animation)"),
                 "s(t)": format_number(frames.area[int(np.argmin(np.abs(grid_t - t)))],
                                       digits=6)},
                {_("method"): _("Simpson's rule on a 1-minute grid"),
                 "s(t)": format_number(sto.stomach_integral(meals, digestion, [t])[0],
                                       digits=6)}]
        if curve == "exponential":
            rows.append({_("method"): _("closed form (exponential)"),
                         "s(t)": format_number(sto.stomach_closed_form(meals, [t], half)[0],
                                               digits=6)})
            gap = float(np.abs(fine_integral - closed).max())
            st.caption(_("Closed form and integral differ by at most {gap} over the day.")
                       .format(gap=format_number(gap, digits=2)))
        st.dataframe(rows, hide_index=True, width="stretch")
    with right:
        st.markdown(_("**Discrete** — meals on the hour: s[n] = Σ f[m]·g[n − m] at "
                      "n = {n}").format(n=n))
        if terms:
            products = " + ".join(
                f"{format_number(tm.amount, digits=3)}×{format_number(tm.left, digits=3)}"
                for tm in terms)
            st.markdown(_("s[{n}] = {named} = {products} = **{total}**").format(
                n=n, named=" + ".join(f"f[{tm.hour}]·g[{n - tm.hour}]" for tm in terms),
                products=products, total=format_number(s_hour[n], digits=4)))
        else:
            st.markdown(_("s[{n}] = 0: nothing has been eaten yet.").format(n=n))
        st.caption(_("The same numbers as np.convolve(f, g)[:24]: the discrete stomach is a "
                     "1-D convolution."))
    exact_curve = closed if closed is not None else fine_integral
    fig = FS.stomach_comparison_figure(
        fine, exact_curve, fine_integral, np.arange(24), s_hour,
        exact_name=_("closed form") if closed is not None else _("integral (Simpson)"),
        width=_width())
    _show(fig, "stomach_compare", key=f"{P}_compare_chart")
    a11y.show_as_numbers(np.round(s_hour[None, :], 4), _("Hourly s[n]"),
                         row_labels=["s[n]"], col_labels=[str(h) for h in range(24)])


# ------------------------------------------------------------------------------ 2 · the flip


def flip_section() -> None:
    _header(_("2 · Commutativity and the flip"))
    st.markdown(_(
        "Goodfellow 9.1: s(t) = (x ∗ w)(t) = Σ x(a)·w(t − a), and convolution is "
        "**commutative**: f ∗ g = g ∗ f (substitute a → t − a). Many machine-learning "
        "libraries implement **cross-correlation** — the same sum without the flip, "
        "Σ x(t + a)·w(a) — and call it convolution. The output of one is the output "
        "of the other with the kernel reversed; for a symmetric kernel they agree."))
    c = st.columns(2)
    c[0].text_input(_("Signal f"), key=SIG_F)
    c[1].text_input(_("Kernel g"), key=SIG_K)
    f = _valid(SIG_F, lambda s: parse_numbers(s, what=_("signal f")), _("signal f"))
    g = _valid(SIG_K, lambda s: parse_numbers(s, what=_("kernel g")), _("kernel g"))
    fg, gf = sig.convolve1d(f, g), sig.convolve1d(g, f)
    corr = sig.correlate1d(f, g)
    corr_rev = sig.correlate1d(f, g[::-1])
    corr_swapped = sig.correlate1d(g, f)
    rows = [(_("f ∗ g (convolution)"), fg), (_("g ∗ f"), gf),
            (_("f ⋆ g (cross-correlation, what conv1d computes)"), corr),
            (_("f ⋆ reversed g"), corr_rev), (_("g ⋆ f"), corr_swapped)]
    st.dataframe([{_("operation"): name, _("output"): _list_text(v)} for name, v in rows],
                 hide_index=True, width="stretch")
    same = np.array_equal(fg, gf)
    st.markdown(_(
        "**f ∗ g = g ∗ f**: {comm}. **f ⋆ reversed g = f ∗ g**: {flip}. Cross-correlation is "
        "not commutative: **g ⋆ f** is f ⋆ g backwards. **f ⋆ g = f ∗ g**: {sym} — {why}.").format(
        comm=_("yes") if same else _("no"),
        flip=_("yes") if np.allclose(corr_rev, fg) else _("no"),
        sym=_("yes") if np.allclose(corr, fg) else _("no"),
        why=_("the kernel is symmetric") if np.allclose(g, g[::-1])
        else _("the kernel is not symmetric; type a symmetric one such as 1, 2, 1 and they "
               "agree")))
    st.markdown(_("In PyTorch: `F.conv1d(torch.tensor([[[1., 2., 3.]]]), "
                  "torch.tensor([[[0.5, 1., 0.]]]), padding=2)` is the true convolution of "
                  "[1, 2, 3] with [0, 1, 0.5]: the kernel is passed reversed."))

    st.subheader(_("Goodfellow's sensor: a causal average of recent readings"))
    st.markdown(_(
        "A laser sensor tracks a spaceship; each reading is noisy. Average the recent readings "
        "with a weighting w(a), where a is the age of a reading, more weight to recent "
        "ones: s(t) = Σ x(t − a)·w(a). Only past readings exist, so w(a) = 0 for a < 0: "
        "the kernel is **causal**."))
    c = st.columns(2)
    c[0].slider(_("Readings averaged (K)"), 1, 20, key=WLEN)
    c[1].slider(_("Decay per step (w(a) ∝ decay^a)"), 0.1, 1.0, key=DECAY, step=0.05)
    true, measured = sig.noisy_sensor(100, seed=0)
    w = sig.causal_weights(int(st.session_state[WLEN]), float(st.session_state[DECAY]))
    smooth = sig.causal_smooth(measured, w)
    fig = FS.sensor_figure(true, measured, smooth, w, width=_width())
    _show(fig, "sensor", key=f"{P}_sensor_chart")
    st.caption(_("Left: the readings (grey circles), the true position (dashed blue) and s(t) "
                 "(vermillion) against the reading number t. Right: the weights w(a) against "
                 "the age a of a reading; zero for a < 0."))
    err_raw = float(np.sqrt(np.mean((measured - true) ** 2)))
    err_s = float(np.sqrt(np.mean((smooth[len(w):] - true[len(w):]) ** 2)))
    st.markdown(_("Weights w(0..{k}) = {w}. Root-mean-square error against the true "
                  "position: readings **{raw}**, smoothed **{smooth}** (after the first {n} "
                  "readings; the smoothed curve lags a little: it only sees the past).").format(
        k=len(w) - 1, w=_list_text(w), raw=format_number(err_raw, digits=3),
        smooth=format_number(err_s, digits=3), n=len(w)))


# ------------------------------------------------------------------------------ 3 · discrete


@st.cache_resource(max_entries=24, show_spinner=False)
def sliding_chart(x: tuple, kernel: tuple, padding, stride: int, dilation: int, mode: str,
                  initial: int, max_cell_px: float, vertical: bool, lang: str):
    """The 1-D sliding window animated; ``vertical`` draws the signals as columns (time
    downwards), for a narrow projector column."""
    xs, ks = np.array(x), np.array(kernel)
    trace = window_trace_1d(len(xs), len(ks), stride, padding, dilation)
    out = convcore.conv1d(xs, ks, stride=stride, padding=(trace.pads,), dilation=dilation,
                          padding_mode=mode)
    texts = [_sum_text(cell_arithmetic_1d(xs, ks, i, stride=stride, padding=padding,
                                          dilation=dilation, padding_mode=mode))
             for i in trace.steps()]
    if vertical:  # a narrow figure: a few products per line
        texts = ["<br>".join(F.wrap_sum(text, 18)) for text in texts]
    padded = pad_values(xs, (trace.pads,), mode)
    mask = np.ones(trace.padded_length, dtype=bool)
    mask[trace.pads[0]:trace.pads[0] + len(xs)] = False
    if vertical:  # the same geometry on an L×1 column
        column = convcore.window_trace((len(xs), 1), (len(ks), 1), (stride, 1),
                                       (trace.pads, (0, 0)), (dilation, 1))
        steps = F.steps_from_trace(column, texts, mark_taps=dilation > 1)
        shape, origin = (lambda v: np.asarray(v)[:, None]), (trace.pads[0], 0)
    else:
        steps = F.steps_from_trace(trace.as_2d, texts, mark_taps=dilation > 1)
        shape, origin = (lambda v: np.asarray(v)[None, :]), (0, trace.pads[0])
    panels = [F.Panel(shape(padded), _("<b>signal</b>"), pad_mask=shape(mask), origin=origin,
                      name="input"),
              F.Panel(shape(ks), _("<b>kernel</b>"), name="kernel"),
              F.Panel(shape(out), _("<b>output</b>"), name="output")]
    fig = F.animation_figure(panels, steps, initial=min(initial, len(steps) - 1),
                             max_cell_px=max_cell_px)
    if vertical:  # a column's only column number says nothing; projected text is taller
        fig.update_xaxes(showticklabels=False)
        extra = 16 * max(text.count("<br>") + 1 for text in texts)
        fig.update_layout(height=fig.layout.height + extra,
                          margin=dict(t=fig.layout.margin.t + extra))
    return fig, out, trace


def _sum_text(cell) -> str:
    return f"out[{cell.i}] = " + cell.text()


def discrete_section() -> None:
    _header(_("3 · Discrete 1-D convolution, step by step"))
    st.markdown(_(
        "The lecture notes' one-dimensional cross-correlation y[i] = Σ w[a]·x[i + a] "
        "(文本, 语言, 时序序列: text, language, time series). The same sliding window as on "
        "the 2-D page, on one row: each output is the sum of the window's products."))
    st.text_input(_("Signal (up to {n} numbers)").format(n=MAX_SIGNAL), key=SIG_X)
    x = _valid(SIG_X, lambda s: parse_numbers(s, what=_("signal")), _("signal"))
    c = st.columns(3)
    preset = c[0].selectbox(_("Kernel preset"), list(KERNEL_NAMES), key=KPRESET,
                            format_func=i18n.option_labels(KERNEL_NAMES))
    sized = preset in ("moving average", "gaussian")
    if sized:
        c[0].slider(_("Taps"), 2, 7, key=KSIZE)
    size = int(st.session_state[KSIZE])
    if preset == "gaussian" and size % 2 == 0:
        size += 1
        c[0].caption(_("A Gaussian needs a centre tap: {n} taps are used.").format(n=size))
    kernel = sig.kernel_1d(preset, size)
    padding = c[1].selectbox(_("Padding"), list(PADDINGS), key=PAD,
                             format_func=i18n.option_labels(PADDINGS))
    mode = c[1].selectbox(_("Padding mode"), list(PADDING_MODES), key=PMODE,
                          format_func=i18n.option_labels(PADDING_MODES))
    stride = int(c[2].number_input(_("Stride"), 1, 3, key=STRIDE))
    dilation = int(c[2].number_input(_("Dilation"), 1, 3, key=DIL))
    if padding == "same" and stride > 1:
        st.info(_("Padding \"same\" needs stride 1 (as in PyTorch): stride 1 is used."))
        stride = 1
    span = dilation * (len(kernel) - 1) + 1
    pads = {"causal": (span - 1, 0)}.get(padding, padding)
    try:
        trace = window_trace_1d(len(x), len(kernel), stride, pads, dilation)
        if (mode == "reflect" and max(trace.pads) >= len(x)) or \
                (mode == "circular" and max(trace.pads) > len(x)):
            raise ValueError(_("{mode} padding of {p} needs a longer signal").format(
                mode=mode, p=max(trace.pads)))
    except ValueError as err:
        st.error(_("These settings give no output: {reason}. Use a longer signal, a smaller "
                   "kernel or dilation, or more padding.").format(reason=str(err)),
                 icon=":material/error:")
        return
    cell = int(min(max(int(st.session_state[CELL]), 0), trace.out_length - 1))
    st.session_state[CELL] = cell
    fig, out, trace = sliding_chart(tuple(x), tuple(kernel), pads, stride, dilation, mode,
                                    cell, float(presenter.figure_scale()["max_cell_px"]),
                                    _presenting(), current_language())
    _show(fig, "sliding_1d", key=SW_CHART)
    a11y.animation_keys(SW_CHART, _("1-D sliding-window animation"))
    st.number_input(_("Output cell i"), 0, trace.out_length - 1, key=CELL, width=220)
    arith = cell_arithmetic_1d(x, kernel, cell, stride=stride, padding=pads,
                               dilation=dilation, padding_mode=mode)
    a11y.live_region(f"**{_sum_text(arith)}**", markdown=True)
    lengths = _("Output length = ⌊(L + pad_left + pad_right − dilation·(K − 1) − 1) / stride⌋ "
                "+ 1 = ⌊({n} + {pl} + {pr} − {d}·{km1} − 1) / {s}⌋ + 1 = **{out}**.").format(
        n=len(x), pl=trace.pads[0], pr=trace.pads[1], d=dilation, km1=len(kernel) - 1,
        s=stride, out=trace.out_length)
    st.markdown(lengths)
    st.caption(_("Kernel {k}; output {out}. Hatched cells are padding ({mode}).").format(
        k=_list_text(kernel), out=_list_text(out), mode=_(PADDING_MODES[mode])))
    _causal_stack()


def _causal_stack() -> None:
    st.subheader(_("A dilated causal stack: the receptive field doubles per layer"))
    st.markdown(_(
        "Audio models (WaveNet) stack causal convolutions with kernel 2 and dilation 1, 2, 4, "
        "8, …: each layer sees only the past, and each doubles how far back the last output "
        "looks, with a handful of weights per layer."))
    layers = int(st.slider(_("Layers"), 1, 6, key=LAYERS))
    rows = sig.dilated_causal_stack(2 ** layers + 4, layers, kernel_size=2)
    st.dataframe([{_("layer"): r.layer, _("dilation"): r.dilation,
                   _("causal padding (left, right)"): str(r.pads),
                   _("receptive field"): r.receptive_field} for r in rows],
                 hide_index=True, width="content")
    fig = FS.causal_stack_figure(2 ** layers + 4, [r.dilation for r in rows], 2,
                                 width=_width())
    _show(fig, "causal_stack", key=f"{P}_stack_chart")
    st.caption(_("Horizontal: time steps; one row per layer, d its dilation. Filled "
                 "vermillion dots: the values the last output depends on, joined by the "
                 "connections that carry them; open grey dots: the others."))
    st.markdown(_("The last output depends on **{field}** inputs (dashed frame) through "
                  "{layers} layers of 2 weights each; without dilation it would see "
                  "{plain}.").format(field=rows[-1].receptive_field, layers=layers,
                                     plain=layers + 1))


# ------------------------------------------------------------------------------ 4 · data


@st.cache_data(max_entries=4, show_spinner=False)
def series_data(name: str):
    if name == "temperatures":
        y = sig.daily_temperatures(365, seed=0)
        return np.arange(len(y), dtype=float), y
    return sig.chirp(400, seed=0, noise=0.3)


def data_section() -> None:
    _header(_("4 · Real 1-D data: a time series and a sentence"))
    c = st.columns(2)
    name = c[0].radio(_("Time series"), list(SERIES_NAMES), key=SERIES,
                      format_func=i18n.option_labels(SERIES_NAMES), horizontal=True)
    win = int(c[1].slider(_("Moving-average window"), 1, 31, key=WIN, step=2))
    t, y = series_data(name)
    smooth = convcore.conv1d(y, sig.kernel_1d("moving average", win), padding="same",
                             padding_mode="replicate")
    diff = convcore.conv1d(y, sig.kernel_1d("difference"))
    x_title = _("day of the year") if name == "temperatures" else _("seconds")
    y_title = "°C" if name == "temperatures" else _("amplitude")
    fig = FS.series_figure(t, y, smooth, diff, x_title=x_title, y_title=y_title,
                           width=_width())
    _show(fig, "series", key=f"{P}_series_chart")
    st.caption(_("Horizontal: {x}. Grey: the data; thick vermillion: the smoothed series; "
                 "blue, below: the difference of neighbouring values.").format(x=x_title))
    noise = float(np.std(diff))
    st.markdown(_(
        "A {win}-point moving average (padding \"same\", replicated ends) keeps the slow "
        "shape and removes most of the day-to-day noise: the difference [1, −1] of the data "
        "has standard deviation {raw}, that of the smoothed series {smooth}.").format(
        win=win, raw=format_number(noise, digits=3),
        smooth=format_number(float(np.std(np.diff(smooth))), digits=3)))

    st.subheader(_("Text as channels: a kernel that fires on a character n-gram"))
    st.markdown(_(
        "A sentence becomes a sequence of one-hot vectors: one channel per letter, like the "
        "colour channels of an image (the Channels page), but along one axis. A kernel of "
        "width n with a 1 on the channel of each letter of the n-gram, and bias −(n − 1), "
        "gives 1 exactly where the n-gram starts; a ReLU keeps only those hits."))
    example, example_ngram = TEXT_EXAMPLES.get(current_language(), TEXT_EXAMPLES["en"])
    c = st.columns([3, 1])
    c[0].text_input(_("Sentence (lower-case, up to {n} characters)").format(n=MAX_TEXT),
                    key=TEXT, placeholder=example)
    c[1].text_input(_("n-gram (1 to 4 characters)"), key=NGRAM, placeholder=example_ngram)

    def clean_text(s: str) -> str:
        s = str(s).lower() or example
        if len(s) > MAX_TEXT:
            raise ValueError(_("The sentence must have 1 to {n} characters.").format(n=MAX_TEXT))
        return s

    def clean_ngram(s: str) -> str:
        s = str(s).lower() or example_ngram
        if len(s) > 4:
            raise ValueError(_("The n-gram must have 1 to 4 characters."))
        return s

    text = _valid(TEXT, clean_text, _("sentence"))
    ngram = _valid(NGRAM, clean_ngram, _("n-gram"))
    onehot, alphabet = sig.one_hot_text(text)
    missing = sorted(set(ngram) - set(alphabet))
    if missing or len(ngram) > len(text):
        st.warning(_("The sentence never contains “{ngram}”: the detector has nothing to "
                     "find.").format(ngram=ngram), icon=":material/info:")
        alphabet = "".join(sorted(set(alphabet) | set(ngram)))
        onehot, alphabet = sig.one_hot_text(text, alphabet)
    if len(ngram) > len(text):
        return
    weight, bias = sig.ngram_detector(ngram, alphabet)
    response = np.maximum(convcore.conv1d(onehot, weight, bias)[0], 0.0)
    hits = [int(i) for i in np.flatnonzero(response > 0.5)]
    fig = FS.text_channels_figure(onehot, alphabet, text, response, hits, len(ngram),
                                  width=_width())
    _show(fig, "text_channels", key=f"{P}_text_chart")
    st.markdown(_("{c} channels × {n} characters; the kernel is {shape} (out, in, width). "
                  "“{ngram}” found at {count} position(s): {where}.").format(
        c=len(alphabet), n=len(text), shape="×".join(map(str, weight.shape)), ngram=ngram,
        count=len(hits), where=", ".join(map(str, hits)) or "—"))


# ------------------------------------------------------------------------------ 5 · 2-D

#: The 3×3 neighbourhood of the notes, as drawn there (y grows upwards).
F_LABELS = [["f(x−1, y+1)", "f(x, y+1)", "f(x+1, y+1)"],
            ["f(x−1, y)", "f(x, y)", "f(x+1, y)"],
            ["f(x−1, y−1)", "f(x, y−1)", "f(x+1, y−1)"]]
G_LABELS = [["g(−1, 1)", "g(0, 1)", "g(1, 1)"],
            ["g(−1, 0)", "g(0, 0)", "g(1, 0)"],
            ["g(−1, −1)", "g(0, −1)", "g(1, −1)"]]
PATCH = np.array([[3.0, 1.0, 0.0], [2.0, 5.0, 1.0], [0.0, 4.0, 2.0]])
G2 = np.arange(1.0, 10.0).reshape(3, 3)


def _signed(v: int) -> str:
    return "" if v == 0 else (f"+{v}" if v > 0 else f"−{-v}")


def two_d_section() -> None:
    _header(_("5 · Back to 2-D: the neighbourhood and the 180° rotation"))
    st.markdown(_(
        "The notes: f(x, y) ∗ g(m, n) = Σ f(x, y)·g(m − x, n − y) — how the pixels "
        "around a point influence it. Take the 3×3 neighbourhood of (x, y): the pixel "
        "f(x − 1, y − 1) is weighted by g(x − (x − 1), y − (y − 1)) = g(1, 1), the "
        "opposite corner of g. Every neighbour meets the weight diagonally across, so laid "
        "over the image the kernel is g **rotated by 180°** (将g函数旋转180度, 就可以表示为"
        "‘卷积核’)."))
    c = st.columns(2)
    a = int(c[0].select_slider(_("Neighbour: column offset"), [-1, 0, 1], key=NA))
    b = int(c[1].select_slider(_("Neighbour: row offset (up is +)"), [-1, 0, 1], key=NB))
    rotated = np.rot90(G2, 2)
    true_conv = float(convcore.convolve2d(PATCH, G2, mode="valid")[0, 0])
    corr = float(convcore.conv2d(PATCH, rotated)[0, 0])
    rot_labels = [row[::-1] for row in G_LABELS[::-1]]
    fig = FS.label_grids_figure([
        (_("<b>image</b> f around (x, y)"), F_LABELS, PATCH),
        (_("<b>g</b> as written"), G_LABELS, G2),
        (_("<b>g rotated 180°</b>: the kernel"), rot_labels, rotated)],
        marks=[(0, 1 - b, a + 1), (1, 1 + b, 1 - a), (2, 1 - b, a + 1)], width=_width(),
        cell_px=150 if _presenting() else 100, stacked=_presenting())
    _show(fig, "neighbourhood", key=f"{P}_nb_chart")
    r, col = 1 - b, a + 1
    weight = float(G2[1 + b, 1 - a])
    st.markdown(_(
        "**f(x{a}, y{b})** = {v} is weighted by g(x − (x{a}), y − (y{b})) = **g({ga}, {gb})** "
        "= {w}; in the rotated kernel that weight sits exactly over f(x{a}, y{b}) (row {r}, "
        "column {c}).").format(
        a=_signed(a), b=_signed(b), v=format_number(PATCH[r, col]), ga=-a, gb=-b,
        w=format_number(weight), r=r, c=col))
    st.markdown(_(
        "True convolution Σ f(x − a, y − b)·g(a, b) = convolve2d = **{conv}**; "
        "cross-correlation with the rotated kernel (what conv2d computes) = **{corr}**: "
        "the same number. Deep-learning libraries skip the rotation and learn the rotated "
        "kernel directly; since the kernel is learned, nothing is lost (由于对称性, 在实际使用中"
        "没有区别).").format(conv=format_number(true_conv), corr=format_number(corr)))
    st.page_link("app_pages/sliding_window.py",
                 label=_("The sliding window: its convolution switch"),
                 icon=":material/swap_horiz:")


# ------------------------------------------------------------------------------ 6 · 3-D


@st.cache_data(max_entries=16, show_spinner=False)
def clip_data(direction: str, kernel_direction: str):
    clip = vol.moving_square_clip(frames=6, size=10, square=3, direction=direction)
    kernel = vol.motion_kernel(kernel_direction)
    return clip, kernel, convcore.conv3d(clip, kernel)


def three_d_section() -> None:
    _header(_("6 · 3-D: a clip and a motion kernel"))
    st.markdown(_(
        "The lecture notes: 3-D convolution for video, medical images and weather maps "
        "(视频, 医学图像, 气象地图): y[i, j, k] = Σ w[a, b, c]·x[i + a, j + b, k + c]. "
        "Time is the third axis of a clip. A 3×3×3 kernel that shifts a bar one column per "
        "frame (+1/3 along the path of a square moving its way, −1/3 along the opposite "
        "path) responds to motion in one direction."))
    c = st.columns(2)
    direction = c[0].radio(_("The square moves"), list(DIRECTION_NAMES), key=DIRECTION,
                           horizontal=True, format_func=i18n.option_labels(DIRECTION_NAMES))
    kdir = c[1].radio(_("The kernel looks for motion"), list(DIRECTION_NAMES), key=KDIR,
                      horizontal=True, format_func=i18n.option_labels(DIRECTION_NAMES))
    clip, _kernel, out = clip_data(direction, kdir)
    fig = FS.clip_figure(clip, out, width=_width(), frame_px=110)
    _show(fig, "clip_3d", key=f"{P}_clip_chart")
    st.caption(_("Top row: the clip's frames 0 to {last}; bottom row: the output's frames 0 "
                 "to {out_last}.").format(last=clip.shape[0] - 1, out_last=out.shape[0] - 1))
    st.markdown(_(
        "Clip {clip} (frames × height × width), kernel 3×3×3, output {out}: frame k of the "
        "output looks at frames k, k + 1, k + 2. Strongest response **{top}**, weakest "
        "**{low}** (blue positive, red negative).").format(
        clip="×".join(map(str, clip.shape)), out="×".join(map(str, out.shape)),
        top=format_number(float(out.max()), digits=3),
        low=format_number(float(out.min()), digits=3)))
    a11y.show_as_numbers(np.round(out[out.shape[0] // 2], 3),
                         _("Output frame {k}").format(k=out.shape[0] // 2))
    st.subheader(_("Shapes and parameter counts of conv3d"))
    examples = [(_("this clip"), vol.conv3d_shapes(1, 1, clip.shape, 3)),
                (_("RGB video, 16 frames of 112×112, 64 kernels"),
                 vol.conv3d_shapes(3, 64, (16, 112, 112), 3, padding=1)),
                (_("CT volume, 64 slices of 128×128, 16 kernels"),
                 vol.conv3d_shapes(1, 16, (64, 128, 128), 3, padding=1))]
    rows = [{_("layer"): name, _("input (C, D, H, W)"): str(s.in_shape),
             _("weight"): str(s.weight_shape), _("output"): str(s.out_shape),
             _("parameters"): f"{s.params:,}", _("multiply-adds"): f"{s.macs:,}"}
            for name, s in examples]
    if _presenting():  # an HTML table wraps its cells; the data grid would scroll sideways
        st.table(rows, hide_index=True)
    else:
        st.dataframe(rows, hide_index=True, width="content")
    st.markdown(_("The second row is `nn.Conv3d(3, 64, kernel_size=3, padding=1)`: "
                  "64 × 3 × 3 × 3 × 3 weights + 64 biases = {p} parameters.").format(
        p=f"{examples[1][1].params:,}"))


# ------------------------------------------------------------------------------ page


def main() -> None:
    us.sync_from_url(URL)
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)
    st.title(_("Convolution in 1-D"))
    if not _presenting():
        st.markdown(_("Convolution as an operation on signals: the stomach story of the "
                      "Chinese notes, Goodfellow's noisy sensor, 1-D sequences (time series, "
                      "text) and 3-D clips."))
    stomach_section()
    st.divider()
    flip_section()
    st.divider()
    discrete_section()
    st.divider()
    data_section()
    st.divider()
    two_d_section()
    st.divider()
    three_d_section()
    us.sync_to_url(URL)
    with st.expander(_("Share this view")):
        us.share_link_box()


main()
