"""Kernel learning lab: gradient descent finds a kernel from (X, Y) pairs, live.

Thin page: widgets → convcore.learn (the trainer) → ui.figures_learning (the charts). All
training state lives in ``st.session_state["kl_state"]`` (a picklable ``TrainState``), so
pausing, resuming and one-off steps lose nothing. The live loop is a fragment that reruns a
few times per second while training plays. PyTorch is imported only when the "two engines"
comparison is run.

Every sentence is in the session's language (:mod:`ui.i18n`). In presenter mode the page is a
projector layout: the title, one row of run buttons, the headline numbers and the loss curve
come first; the experiment and its settings fold into an expander below them.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import streamlit as st

from convcore import learn
from convcore.image import downsample
from convcore.kernels import get_kernel, kernel_names
from ui import a11y, i18n, presenter, shared_cache
from ui import figures_learning as lf
from ui import url_state as us
from ui.controls import image_source, parse_grid
from ui.i18n import N_, _

#: Live loop speeds: seconds between refreshes. "normal" plays the seeds' ten steps at two
#: steps per second, slow enough to narrate.
SPEEDS = {"slow": 1.0, "normal": 0.5, "fast": 0.2}
SPEED_NAMES = {"slow": N_("Speed: slow"), "normal": N_("Speed: normal"),
               "fast": N_("Speed: fast")}
TARGET_REFRESHES = 20  # a whole run takes about this many refreshes (~10 s at "normal")
PHOTO_SIZE = 48  # photos are shrunk to fit 48×48: plenty of windows, fast steps
CUSTOM = "custom"
DEFAULT_CUSTOM = "1 0 -1\n2 0 -2\n1 0 -1"
KERNEL_SIZES = ("1×2", "1×3", "2×2", "3×3", "5×5")
INIT_NAMES = {"random": N_("random"), "zeros": N_("zeros")}
#: The status metric's words: "running" is shown as playing or paused.
STATUS_NAMES = {"playing": N_("playing"), "paused": N_("paused"), "done": N_("done"),
                "diverged": N_("diverged")}

#: The preset kernels' names as the page shows them (convcore's labels, translated here).
KERNEL_LABELS = {
    "edge": N_("Vertical edges [1, −1]"),
    "edge_transposed": N_("Horizontal edges [1, −1]ᵀ"),
    "sobel_x": N_("Sobel x (vertical edges)"),
    "sobel_y": N_("Sobel y (horizontal edges)"),
    "prewitt_x": N_("Prewitt x (vertical edges)"),
    "prewitt_y": N_("Prewitt y (horizontal edges)"),
    "laplacian_4": N_("Laplacian (4-neighbour)"),
    "laplacian_8": N_("Laplacian (8-neighbour)"),
    "box_blur_3x3": N_("Box blur 3×3"),
    "box_blur_5x5": N_("Box blur 5×5"),
    "gaussian_blur_3x3": N_("Gaussian blur 3×3"),
    "gaussian_blur_5x5": N_("Gaussian blur 5×5"),
    "sharpen": N_("Sharpen"),
    "emboss": N_("Emboss"),
    "outline": N_("Outline"),
}

EXPERIMENTS = {
    "book": N_("The book's example: the 6×8 edge image and [1, −1]"),
    "photo": N_("Recover a 3×3 kernel from a photo"),
    "constant": N_("Cannot be recovered: a constant image"),
    "bigger": N_("Cannot be recovered: the target was made by a 5×5 kernel"),
}
# Settings each experiment starts from (the user may change them afterwards).
EXPERIMENT_DEFAULTS = {
    "book": {"kl_kernel_size": "1×2", "kl_steps": 10, "kl_true": "edge", "kl_log": False},
    "photo": {"kl_kernel_size": "3×3", "kl_steps": 1000, "kl_true": "sobel_x", "kl_log": True},
    "constant": {"kl_kernel_size": "3×3", "kl_steps": 100, "kl_true": "sharpen", "kl_log": True},
    "bigger": {
        "kl_kernel_size": "3×3",
        "kl_steps": 1000,
        "kl_true": "gaussian_blur_5x5",
        "kl_log": True,
    },
}
EXPERIMENT_HELP = {
    "book": N_(
        "d2l's *Learning a Kernel*: X is white (1) with a black (0) band, Y = X ⋆ [1, −1] "
        "marks its two edges. Starting from a random 1×2 kernel, ten steps of gradient descent "
        "at learning rate 0.03 on the summed squared error find a kernel close to [1, −1]. "
        "The seeds reported about [0.93, −1.04] from their random start; this run starts "
        "elsewhere, and its numbers are shown live below."
    ),
    "photo": N_(
        "A photo (shrunk to at most 48×48 pixels) is filtered with a known kernel; gradient "
        "descent sees only the photo and the result, and has to find the kernel again. "
        "Watch the distance to the true kernel shrink."
    ),
    "constant": N_(
        "**Why it fails:** on a flat image every window holds the same numbers, so the output "
        "is the same everywhere: (sum of the kernel) × grey level. The data fix only the "
        "kernel's *sum*; every kernel with that sum fits perfectly (the loss goes to 0), and "
        "gradient descent stops at whichever one is closest to its start. From zeros it "
        "finds the flat average kernel, not the true one."
    ),
    "bigger": N_(
        "**Why it fails:** the target was made by a 5×5 kernel, which looks two pixels out; a "
        "3×3 kernel sees only one. No 3×3 kernel reproduces the target, so the loss levels "
        "off above zero at the best compromise (dashed line) and there is no true 3×3 kernel "
        "to converge to."
    ),
}

#: Presenter mode: the headline metrics stay headline-sized (issue 9 item 1). The shared
#: presenter CSS sizes the metric's box, but Streamlit prints the value in a markdown
#: paragraph that the body-text rule (1.1rem) sizes again: the value shrank to body size.
#: Scoped to this page's metric row.
PRESENTER_METRICS_CSS = """<style>
.st-key-kl_metrics [data-testid="stMetricValue"],
.st-key-kl_metrics [data-testid="stMetricValue"] div,
.st-key-kl_metrics [data-testid="stMetricValue"] p {
  font-size: max(2.0rem, 32px) !important; line-height: 1.2;
}
</style>"""


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def shrink_photo(image_key: str, _gray: np.ndarray) -> np.ndarray:
    """The photo shrunk to fit PHOTO_SIZE × PHOTO_SIZE (cached per image)."""
    return downsample(_gray, (PHOTO_SIZE, PHOTO_SIZE))


@st.cache_data(show_spinner=False, max_entries=32)
def build_problem(
    experiment: str,
    image: np.ndarray | None,
    true_kernel: np.ndarray,
    kernel_shape: tuple[int, int],
    noise: float,
    seed: int,
) -> learn.LearningProblem:
    """The (X, Y) pair the run learns from."""
    if experiment == "book":
        x = learn.seed_image()
    elif experiment == "constant":
        x = np.full((24, 24), 0.5)
    else:
        x = image
    return learn.make_problem(x, true_kernel, kernel_shape, noise_std=noise, seed=seed)


@st.cache_data(show_spinner=False, max_entries=32)
def analyse(x: np.ndarray, y: np.ndarray, kernel_shape, use_bias: bool):
    """Curvature, stable rates and the lowest reachable loss for this problem."""
    analysis = learn.analyse_problem(x, kernel_shape, use_bias=use_bias)
    _unused_k, _unused_b, best_loss = learn.best_fit(x, y, kernel_shape, use_bias=use_bias)
    return analysis, best_loss


def round_rate(rate: float) -> float:
    """A learning rate to three significant digits, as the messages print it."""
    if not math.isfinite(rate) or rate <= 0:
        return 0.03
    return float(f"{rate:.3g}")


def kernel_label(name: str) -> str:
    """A true-kernel option as the selector shows it, in the session's language."""
    if name == CUSTOM:
        return _("Custom…")
    return _(KERNEL_LABELS[name]) if name in KERNEL_LABELS else get_kernel(name).label




def size_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape)


def custom_true_kernel(text: str) -> tuple[np.ndarray, str | None]:
    """The typed true kernel, or the last valid one and a sentence saying why (issue 9 item 7).

    A typo must not hide the rest of the page: like the other pages' kernel editors, the
    last kernel that parsed stays in use and one ``st.error`` sentence says what to fix.

    Returns
    -------
    (ndarray, str or None)
        The kernel to use, shape (kh, kw), and the error sentence (None when ``text`` parsed).
    """
    ss = st.session_state
    try:
        kernel = parse_grid(text)
    except ValueError as exc:
        last = np.asarray(ss.get("kl_custom_valid", parse_grid(DEFAULT_CUSTOM)), dtype=float)
        return last, _("{reason} Keeping the last valid {size} kernel.").format(
            reason=str(exc), size=size_text(last.shape))
    ss.kl_custom_valid = kernel
    return kernel, None


# ---------------------------------------------------------------------------------------------
# Session state and actions (callbacks only set flags; the script applies them)
# ---------------------------------------------------------------------------------------------


#: Widget keys whose values are kept when the user visits another page and comes back
#: (Streamlit forgets the values of widgets a run does not draw).
SETTINGS_KEYS = (
    "kl_experiment", "kl_image", "kl_centre", "kl_true", "kl_custom", "kl_kernel_size",
    "kl_noise", "kl_lr", "kl_steps", "kl_init", "kl_seed", "kl_bias", "kl_log", "kl_speed",
)


#: The lab's settings in the URL; defaults = the book's experiment.
URL = us.UrlSchema("kl", [
    us.UrlParam("kl_experiment", "choice", "book", choices=list(EXPERIMENTS), name="exp",
                label=N_("experiment")),
    us.UrlParam("kl_lr", "float", 0.03, min=1e-7, max=100.0, name="lr",
                label=N_("learning rate")),
    us.UrlParam("kl_steps", "int", 10, min=1, max=5000, name="steps", label=N_("steps")),
    us.UrlParam("kl_kernel_size", "choice", "1×2", choices=list(KERNEL_SIZES), name="ks",
                label=N_("kernel size")),
    us.UrlParam("kl_bias", "bool", False, name="bias", label=N_("bias")),
    us.UrlParam("kl_init", "choice", "random", choices=["random", "zeros"], name="init",
                label=N_("start")),
    us.UrlParam("kl_seed", "int", 0, min=0, max=10_000, name="seed", label=N_("seed")),
    us.UrlParam("kl_noise", "float", 0.0, min=0.0, max=0.5, name="noise", label=N_("noise")),
])


def init_session() -> None:
    ss = st.session_state
    for key, value in ss.get("kl_saved_settings", {}).items():
        ss.setdefault(key, value)
    ss.setdefault("kl_experiment", "book")
    for key, value in EXPERIMENT_DEFAULTS["book"].items():
        ss.setdefault(key, value)
    ss.setdefault("kl_lr", 0.03)
    ss.setdefault("kl_bias", False)
    ss.setdefault("kl_init", "random")
    ss.setdefault("kl_seed", 0)
    ss.setdefault("kl_noise", 0.0)
    ss.setdefault("kl_centre", True)
    ss.setdefault("kl_custom", DEFAULT_CUSTOM)
    ss.setdefault("kl_playing", False)
    ss.setdefault("kl_pending_steps", 0)
    ss.setdefault("kl_lr_auto", False)
    ss.setdefault("kl_speed", "normal")


def on_experiment_change() -> None:
    ss = st.session_state
    ss.update(EXPERIMENT_DEFAULTS[ss.kl_experiment])
    if ss.kl_experiment == "book":
        ss.kl_lr = 0.03
        ss.kl_noise = 0.0
    else:
        ss.kl_lr_auto = True  # set from the new problem's curvature once it is built
    ss.kl_playing = False


def on_start() -> None:
    st.session_state.kl_playing = True


def on_pause() -> None:
    st.session_state.kl_playing = False


def on_step() -> None:
    st.session_state.kl_playing = False
    st.session_state.kl_pending_steps += 1


def on_reset() -> None:
    st.session_state.kl_playing = False
    st.session_state.pop("kl_state", None)


def on_use_rate(rate: float) -> None:
    st.session_state.kl_lr = rate
    on_reset()


def steps_per_refresh(max_steps: int) -> int:
    """Enough steps per refresh that a whole run takes about TARGET_REFRESHES refreshes."""
    return max(1, math.ceil(max_steps / TARGET_REFRESHES))


def divergence_sentence(state: learn.TrainState, problem: learn.LearningProblem,
                        config: learn.TrainConfig, analysis: learn.ProblemAnalysis) -> str:
    """Why the run stopped, in the session's language (convcore's own message is English).

    Every number comes from the run: the recorded losses, and for an overflow the loss the
    next step would give (computed again with convcore).
    """
    limit = _("For this input, gradient descent is stable only for learning rates below "
              "{limit} (= 2/λmax, where λmax = {lam} is the loss's steepest curvature); try "
              "{suggested} (= 1/λmax).").format(
        limit=f"{analysis.lr_limit:.3g}", lam=f"{analysis.lambda_max:.3g}",
        suggested=f"{analysis.lr_suggested:.3g}")
    with np.errstate(over="ignore", invalid="ignore"):
        next_kernel = state.kernel - config.lr * state.grad_kernel
        next_bias = state.bias - config.lr * state.grad_bias if config.use_bias else 0.0
        next_loss = learn.loss_and_gradients(problem.x, problem.y, next_kernel, next_bias,
                                             use_bias=config.use_bias)[0]
    if not math.isfinite(next_loss):
        what = _("Training diverged: the loss overflowed at step {step} (learning rate "
                 "{lr}).").format(step=state.step + 1, lr=f"{config.lr:g}")
    else:
        what = _("Training diverged: the loss grew from {initial} at the start to {loss} at "
                 "step {step} (learning rate {lr}).").format(
            initial=f"{state.losses[0]:.3g}", loss=f"{state.losses[-1]:.3g}", step=state.step,
            lr=f"{config.lr:g}")
    return _("{what} {advice}").format(what=what, advice=limit)


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------

st.set_page_config(page_title=_("Learning a kernel · Convolution Explorer"), layout="wide")
us.sync_from_url(URL)
init_session()
ss = st.session_state
presenting = presenter.presenter_mode()

st.title(_("Kernel learning"))
SETUP_LABEL = _("The experiment and its settings")
if presenting:
    st.html(PRESENTER_METRICS_CSS)
    # Projector layout: the run's buttons, its numbers and the loss curve first; the
    # experiment and every setting folded below them (drawn now, shown there).
    run_row = st.container()
    live_area = st.container()
    setup = presenter.advanced_controls(SETUP_LABEL)
else:
    setup = presenter.advanced_controls(SETUP_LABEL)  # in place when not presenting
    run_row = st.container()
    live_area = st.container()

with setup:
    st.markdown(_(
        "Given only an input X and an output Y, gradient descent finds the kernel K with "
        "Y = X ⋆ K by itself. Loss L = Σ (X ⋆ K − Y)², summed squared error; update "
        "K ← K − lr · ∂L/∂K."
    ))

    # ---- the data -----------------------------------------------------------------------------
    experiment = st.selectbox(
        _("Experiment"),
        list(EXPERIMENTS),
        format_func=i18n.in_run_language(lambda name: _(EXPERIMENTS[name])),
        key="kl_experiment",
        on_change=on_experiment_change,
    )
    st.markdown(_(EXPERIMENT_HELP[experiment]))

    image = None
    image_key = experiment
    uses_photo = experiment in ("photo", "bigger")
    data_cols = st.columns(4 if uses_photo else 3)
    if uses_photo:
        with data_cols.pop(0):
            photo = image_source("kl", label=_("Photo"), default="house.png")
            if photo is None:
                st.stop()  # waiting for an upload; image_source says so
            centre = st.checkbox(
                _("Centre the photo"),
                key="kl_centre",
                help=_("Subtract the photo's mean brightness. Every window shares the "
                       "photo's average brightness, so the loss is very steep in one direction "
                       "and nearly flat in others. Subtracting the mean makes it much rounder "
                       "(see the condition number) and gradient descent many times faster."),
            )
            image = shrink_photo(photo.key, photo.gray)
            if centre:
                image = image - image.mean()
            image_key = (photo.key, centre)

    true_names = [n for n in kernel_names() if n not in ("identity", "d2l")]
    if experiment == "bigger":
        true_names = [n for n in true_names if max(get_kernel(n).shape) >= 5] + [CUSTOM]
    elif experiment in ("photo", "constant"):
        true_names = [*true_names, CUSTOM]
    else:
        true_names = ["edge"]
    if ss.get("kl_true") not in true_names:
        ss.kl_true = true_names[0]

    kernel_error_text = None
    with data_cols[0]:
        true_name = st.selectbox(
            _("True kernel (makes Y; hidden from the learner)"),
            true_names,
            key="kl_true",
            format_func=i18n.in_run_language(kernel_label),
            disabled=experiment == "book",
        )
        if true_name == CUSTOM:
            custom_text = st.text_area(_("Custom kernel (one row per line)"), key="kl_custom")
            true_kernel, kernel_error_text = custom_true_kernel(custom_text)
            if kernel_error_text:
                st.error(kernel_error_text)
        else:
            true_kernel = np.array(get_kernel(true_name).array)

    with data_cols[1]:
        size_label = st.selectbox(_("Learned kernel size"), KERNEL_SIZES, key="kl_kernel_size")
        kernel_shape = tuple(int(v) for v in size_label.split("×"))
    with data_cols[2]:
        noise = st.slider(
            _("Noise on Y (standard deviation)"), 0.0, 0.5, step=0.01, key="kl_noise",
            help=_("Gaussian noise added to the target; the seed below fixes it."),
        )

    try:
        problem = build_problem(experiment, image, true_kernel, kernel_shape, noise,
                                int(ss.kl_seed))
    except ValueError as exc:
        # A typed kernel that parses but does not fit the learned size: say so, and learn
        # the experiment's first preset meanwhile (the page stays whole, as for a typo).
        st.error(_("This true kernel cannot make a target here: {reason}. The run uses "
                   "{kernel} until the sizes fit.").format(
            reason=str(exc), kernel=kernel_label(true_names[0])))
        true_kernel = np.array(get_kernel(true_names[0]).array)
        try:
            problem = build_problem(experiment, image, true_kernel, kernel_shape, noise,
                                    int(ss.kl_seed))
        except ValueError as second:  # the photo itself is too small for the kernels
            st.error(_("No training is possible with this photo: {reason}.").format(
                reason=str(second)))
            st.stop()

    # ---- settings -----------------------------------------------------------------------------
    use_bias_now = bool(ss.kl_bias)
    analysis, best_loss = analyse(problem.x, problem.y, kernel_shape, use_bias_now)
    if ss.kl_lr_auto:
        ss.kl_lr = round_rate(analysis.lr_suggested)
        ss.kl_lr_auto = False

    set_cols = st.columns([1.2, 1, 1, 1, 1])
    with set_cols[0]:
        lr = st.number_input(
            _("Learning rate"), min_value=1e-7, max_value=100.0, step=0.001, format="%g",
            key="kl_lr",
        )
        condition = ("∞" if math.isinf(analysis.condition) else f"{analysis.condition:.3g}")
        st.caption(_(
            "Stable below **{limit}** (= 2/λmax; λmax = {lam} is the loss's steepest "
            "curvature). Condition number λmax/λmin = {condition}: the larger, the slower the "
            "flattest direction converges."
        ).format(limit=f"{analysis.lr_limit:.3g}", lam=f"{analysis.lambda_max:.3g}",
                 condition=condition))
    with set_cols[1]:
        max_steps = st.number_input(_("Number of steps"), 1, 5000, step=10, key="kl_steps")
    with set_cols[2]:
        init_mode = st.radio(_("Start from"), list(INIT_NAMES), key="kl_init", horizontal=True,
                             format_func=i18n.in_run_language(lambda mode: _(INIT_NAMES[mode])))
        seed = st.number_input(_("Random seed"), 0, 10_000, step=1, key="kl_seed")
    with set_cols[3]:
        use_bias = st.checkbox(_("Learn a bias b too"), key="kl_bias")
    with set_cols[4]:
        log_scale = st.toggle(_("Log-scale loss"), key="kl_log")
    us.sync_to_url(URL)

    config = learn.TrainConfig(
        lr=float(lr),
        kernel_shape=kernel_shape,
        use_bias=bool(use_bias),
        init=init_mode,
        seed=int(seed),
        max_steps=int(max_steps),
    )

    if not analysis.identifiable:
        st.warning(_(
            "These data determine only {rank} of the {n} numbers being learned: many kernels "
            "fit equally well, and gradient descent ends at the one closest to its start."
        ).format(rank=analysis.rank, n=analysis.n_params))

ss.kl_saved_settings = {key: ss[key] for key in SETTINGS_KEYS if key in ss}

# ---- the run: reset when anything that defines it changes --------------------------------------
signature = (
    experiment, image_key, true_kernel.tobytes(), true_kernel.shape, kernel_shape,
    bool(use_bias), init_mode, int(seed), float(noise),
)
if ss.get("kl_signature") != signature or "kl_state" not in ss:
    ss.kl_state = learn.init_state(problem.x, problem.y, config)
    ss.kl_signature = signature
    ss.kl_playing = False
    ss.kl_pending_steps = 0
ss.kl_state = learn.refresh_status(ss.kl_state, config)
while ss.kl_pending_steps > 0:
    ss.kl_pending_steps -= 1
    ss.kl_state = learn.step(ss.kl_state, problem.x, problem.y, config)
if not ss.kl_state.can_step:
    ss.kl_playing = False

state: learn.TrainState = ss.kl_state
with run_row:
    if presenting and kernel_error_text:
        st.error(kernel_error_text)  # the typo is folded away: say it where it is seen
    button_cols = st.columns(5)
    button_cols[0].button(
        _("Resume") if state.step > 0 and state.can_step else _("Start"),
        key="kl_start",
        on_click=on_start,
        disabled=ss.kl_playing or not state.can_step,
        type="primary",
        width="stretch",
    )
    button_cols[1].button(
        _("Pause"), key="kl_pause", on_click=on_pause, disabled=not ss.kl_playing,
        width="stretch",
    )
    button_cols[2].button(
        _("+1 step"), key="kl_step", on_click=on_step, disabled=not state.can_step,
        width="stretch",
    )
    button_cols[3].button(_("Reset"), key="kl_reset", on_click=on_reset, width="stretch")
    speed = button_cols[4].select_slider(
        _("Speed"), list(SPEEDS), key="kl_speed", label_visibility="collapsed",
        format_func=i18n.in_run_language(lambda name: _(SPEED_NAMES[name])))
    if not presenting:
        button_cols[4].caption(_("{rate} steps per second").format(
            rate=f"{steps_per_refresh(config.max_steps) / SPEEDS[speed]:.3g}"))

    if state.status == "diverged":
        st.error(divergence_sentence(state, problem, config, analysis))
        suggested = round_rate(state.suggested_lr or analysis.lr_suggested)
        st.button(
            _("Use learning rate {rate} and start again").format(rate=f"{suggested:g}"),
            key="kl_use_suggested",
            on_click=on_use_rate,
            args=(suggested,),
        )


def draw_live(
    problem: learn.LearningProblem,
    config: learn.TrainConfig,
    best_loss: float,
    show_error: bool,
    show_sum: bool,
    presenting: bool,
) -> None:
    """Advance the run if it is playing, then draw its numbers and charts."""
    ss = st.session_state
    state = ss.kl_state
    if ss.kl_playing and state.can_step:
        for _step in range(steps_per_refresh(config.max_steps)):
            state = learn.step(state, problem.x, problem.y, config)
            if not state.can_step:
                break
        ss.kl_state = state
        if not state.can_step:
            ss.kl_playing = False
            st.rerun()  # the whole page: buttons, messages, and the timer stops

    error = learn.kernel_error(state.kernel, problem.true_kernel)
    status = (("playing" if ss.kl_playing else "paused") if state.status == "running"
              else state.status)
    with st.container(key="kl_metrics"):
        metric_cols = st.columns(4 + config.use_bias + show_sum)
        metric_cols[0].metric(_("Step"), f"{state.step} / {config.max_steps}")
        metric_cols[1].metric(_("Loss"), f"{state.loss:.4g}")
        metric_cols[2].metric("‖K − K_true‖", "—" if error is None else f"{error:.3g}")
        metric_cols[3].metric(_("Status"), _(STATUS_NAMES.get(status, status)))
        extra = iter(metric_cols[4:])
        if config.use_bias:
            next(extra).metric(_("Bias b"), f"{state.bias:.4g}")
        if show_sum:  # all a flat image pins down
            next(extra).metric(_("Sum of K"), f"{state.kernel.sum():.4g}")

    sizes = lf.chart_sizes(presenting)
    if not presenting:
        loss_col, kernel_col, grad_col = st.columns([2, 1, 1])
    elif max(config.kernel_shape) > 3:  # 5×5 numbers at 24 px need half the page each
        loss_col = st.container()
        kernel_col, grad_col = st.columns(2)
    else:  # the kernel beside the curve, its gradient under it
        loss_col, kernel_col = st.columns([1.3, 1])
        grad_col = kernel_col
    with loss_col, a11y.main_figure():
        show_vega(
            lf.loss_chart(
                state.losses,
                log_scale=bool(ss.kl_log),
                max_steps=config.max_steps,
                best_loss=best_loss if best_loss > 1e-9 * max(state.losses[0], 1e-300) else None,
                sizes=sizes,
            ),
            "kl_loss_chart",
        )
    digits = 2 if max(config.kernel_shape) <= 3 else 1
    with kernel_col:
        show_vega(
            lf.kernel_chart(state.kernel, _("Kernel K"), digits=digits, sizes=sizes),
            "kl_kernel_chart", "content",
        )
    with grad_col:
        show_vega(
            lf.kernel_chart(state.grad_kernel, _("Gradient ∂L/∂K"), digits=digits, sizes=sizes),
            "kl_grad_chart",
            "content",
        )
    announce_summary(lf.run_summary(state.losses, state.kernel, state.grad_kernel),
                     playing=bool(ss.kl_playing))
    if show_error and problem.true_kernel is not None:
        errors = [learn.kernel_error(k, problem.true_kernel) for k in state.kernels]
        show_vega(lf.error_chart(errors, max_steps=config.max_steps, sizes=sizes),
                  "kl_error_chart")


def announce_summary(text: str, *, playing: bool) -> None:
    """The charts' content as one sentence, in a live region: a screen reader reads it out
    after "+1 step", a pause or the end of a run. While the run plays (several refreshes a
    second) it is plain text, or every refresh would interrupt the last announcement."""
    if playing:
        st.caption(text)
    else:
        a11y.live_region(text)


def show_vega(chart: lf.VegaChart, key: str, width: str = "stretch") -> None:
    """Draw a live chart; same spec + new data = updated in place, no blank frame."""
    st.vega_lite_chart(chart.data, chart.spec, key=key, width=width)


with live_area:
    playing = bool(ss.kl_playing)
    live = st.fragment(run_every=SPEEDS[ss.kl_speed] if playing else None)(draw_live)
    live(problem, config, best_loss, experiment != "book", experiment == "constant", presenting)

# ---- the charts as numbers (screen readers, and anyone who wants the exact values) --------------
with st.expander(_("Show as numbers: the loss at every step, the kernel and its gradient")):
    shown = ss.kl_state
    st.caption(_("At step {step}. While the run plays these tables catch up when it stops.")
               .format(step=shown.step))
    grid_cols = st.columns(2)
    for col, grid, title in ((grid_cols[0], shown.kernel, _("Kernel K")),
                             (grid_cols[1], shown.grad_kernel, _("Gradient ∂L/∂K"))):
        rows, cols = lf.grid_labels(grid.shape)
        col.html(a11y.grid_table_html(grid, title, row_labels=rows, col_labels=cols, digits=4))
    errors = (None if problem.true_kernel is None else
              [learn.kernel_error(k, problem.true_kernel) for k in shown.kernels])
    st.dataframe(lf.loss_table(shown.losses, errors), hide_index=True, height=240)

# ---- slides: the run as a picture and as an animation -----------------------------------------
with st.expander(_("Download the run for a slide (PNG, GIF)")):
    st.caption(_(
        "Pictures of the loss curve and the kernel, {width} pixels wide, without the page's "
        "buttons: the PNG at the current step, the GIF from step 0 to here."
    ).format(width=lf.EXPORT_WIDTH_PX))
    export_cols = st.columns(2)
    run_now = ss.kl_state
    export_titles = lf.export_titles()
    export_cols[0].download_button(
        _("Current step (PNG)"),
        data=lambda: lf.run_png(run_now.losses, run_now.kernels, titles=export_titles),
        file_name="kernel_learning.png", mime="image/png", key="kl_png",
        on_click="ignore", width="stretch", disabled=bool(ss.kl_playing),
    )
    export_cols[1].download_button(
        _("The run so far (GIF)"),
        data=lambda: lf.run_gif(run_now.losses, run_now.kernels, titles=export_titles),
        file_name="kernel_learning.gif", mime="image/gif", key="kl_gif",
        on_click="ignore", width="stretch", disabled=bool(ss.kl_playing),
    )

# ---- the data, the truth, the formula ----------------------------------------------------------
with st.expander(_("The data: X, Y and the true kernel"),
                 expanded=experiment == "book" and not presenting):
    if problem.true_kernel is not None:
        truth_shown, truth_title = problem.true_kernel, _("True kernel")
    else:
        truth_shown = problem.generating_kernel
        truth_title = _("Kernel that made Y ({size})").format(size=size_text(truth_shown.shape))
    data_col, truth_col = st.columns([3, 1])
    data_col.plotly_chart(
        presenter.scale_figure(shared_cache.figure(lf.data_figure, problem.x, problem.y)),
        key="kl_data_chart",
        width="content",
        config={"displayModeBar": False},
    )
    with truth_col:
        show_vega(lf.kernel_chart(truth_shown, truth_title, sizes=lf.chart_sizes(presenting)),
                  "kl_truth_chart", "content")

with st.expander(_("Where the gradient comes from"), expanded=False):
    st.markdown(_(
        "The output is Ŷ = X ⋆ K (+ b). The loss sums squared errors, so its gradient with "
        "respect to the output is ∂L/∂Y = 2 (Ŷ − Y). Each kernel entry K[a, b] multiplies "
        "X[i + a, j + b] in every output cell (i, j), so the chain rule collects"
    ))
    st.latex(
        r"\frac{\partial L}{\partial K_{a,b}} = \sum_{i,j} X_{i+a,\,j+b}\,"
        r"\frac{\partial L}{\partial Y_{i,j}}"
        r"\quad\Longleftrightarrow\quad"
        r"\frac{\partial L}{\partial K} = X \star \frac{\partial L}{\partial Y}"
    )
    st.markdown(_(
        "— the cross-correlation of the input with the output gradient: the same sliding "
        "window, with ∂L/∂Y in the role of the kernel. With a bias, ∂L/∂b = Σ ∂L/∂Y. "
        "convcore computes it with `conv2d_backward`; the heatmap above shows it at the "
        "current kernel."
    ))

# ---- two engines, one answer ------------------------------------------------------------------
st.subheader(_("Two engines, one answer"))
compare_steps = min(config.max_steps, 500)
st.markdown(_(
    "Run {n} steps from the same initial kernel twice: once with PyTorch (`nn.Conv2d` and "
    "autograd, as in the book), once with convcore's hand-derived gradient "
    "(`conv2d_backward`), both in float64."
).format(n=compare_steps))
compare_key = (signature, config.lr, compare_steps)
if st.button(_("Run both engines"), key="kl_compare_run"):
    with st.spinner(_("Importing PyTorch (a few seconds the first time) and training…")):
        try:
            torch_run = learn.torch_trajectory(problem.x, problem.y, config, compare_steps)
        except ImportError:
            st.warning(_("PyTorch is not installed here, so only convcore's engine can run."))
            torch_run = None
    if torch_run is not None:
        reference = learn.train(
            problem.x, problem.y, dataclasses.replace(config, max_steps=compare_steps)
        )
        ss.kl_compare = (compare_key, learn.trajectory_of(reference), torch_run)

if ss.get("kl_compare") and ss.kl_compare[0] == compare_key:
    _unused_key, mine, theirs = ss.kl_compare
    n_common = min(len(mine.losses), len(theirs.losses))
    difference = mine.max_difference(theirs)
    cols = st.columns(2)
    for col, run, name in (
        (cols[0], mine, _("convcore: ∂L/∂K = X ⋆ ∂L/∂Y by hand")),
        (cols[1], theirs, _("PyTorch: autograd through nn.Conv2d")),
    ):
        with col:
            st.markdown(f"**{name}**")
            st.code(
                f"# {len(run.losses) - 1} steps\n"
                + "kernel = " + np.array2string(run.kernels[-1], precision=12, floatmode="fixed")
                + f"\nloss = {run.losses[-1]:.15g}",
                language=None,
            )
    st.metric(
        _("Largest difference over {n} steps (kernel, bias and loss)").format(n=n_common - 1),
        f"{difference:.1e}",
    )
    st.plotly_chart(
        lf.engines_figure(mine.kernels, theirs.kernels),
        key="kl_engines_chart",
        config={"displayModeBar": False},
    )
    st.success(_(
        "Autograd differentiates nn.Conv2d mechanically and knows nothing of our formula; "
        "agreement to {difference} at every step (rounding level) shows that "
        "∂L/∂K = X ⋆ ∂L/∂Y is exactly the gradient, not an approximation of it."
    ).format(difference=f"{difference:.0e}"))

with st.expander(_("Share this view")):
    us.share_link_box()
