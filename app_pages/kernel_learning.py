"""Kernel learning lab: gradient descent finds a kernel from (X, Y) pairs, live.

Thin page: widgets → convcore.learn (the trainer) → ui.figures_learning (the charts). All
training state lives in ``st.session_state["kl_state"]`` (a picklable ``TrainState``), so
pausing, resuming and one-off steps lose nothing. The live loop is a fragment that reruns a
few times per second while training plays. PyTorch is imported only when the "two engines"
comparison is run.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import streamlit as st

from convcore import learn
from convcore.image import downsample
from convcore.kernels import get_kernel, kernel_names
from ui import figures_learning as lf
from ui import url_state as us
from ui.controls import image_source, parse_grid

#: Live loop speeds: seconds between refreshes. "normal" plays the seeds' ten steps at two
#: steps per second, slow enough to narrate.
SPEEDS = {"slow": 1.0, "normal": 0.5, "fast": 0.2}
TARGET_REFRESHES = 20  # a whole run takes about this many refreshes (~10 s at "normal")
PHOTO_SIZE = 48  # photos are shrunk to fit 48×48: plenty of windows, fast steps
CUSTOM = "custom"
KERNEL_SIZES = ("1×2", "1×3", "2×2", "3×3", "5×5")

EXPERIMENTS = {
    "book": "The book's example: the 6×8 edge image and [1, −1]",
    "photo": "Recover a 3×3 kernel from a photo",
    "constant": "Cannot be recovered: a constant image",
    "bigger": "Cannot be recovered: the target was made by a 5×5 kernel",
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
    "book": (
        "d2l's *Learning a Kernel*: X is white (1) with a black (0) band, Y = X ⋆ [1, −1] "
        "marks its two edges. Starting from a random 1×2 kernel, ten steps of gradient descent "
        "at learning rate 0.03 on the summed squared error find a kernel close to [1, −1]. "
        "The seeds reported about [0.93, −1.04] from their random start; this run starts "
        "elsewhere, and its numbers are shown live below."
    ),
    "photo": (
        "A photo (shrunk to at most 48×48 pixels) is filtered with a known kernel; gradient "
        "descent sees only the photo and the result, and has to find the kernel again. "
        "Watch the distance to the true kernel shrink."
    ),
    "constant": (
        "**Why it fails:** on a flat image every window holds the same numbers, so the output "
        "is the same everywhere: (sum of the kernel) × grey level. The data fix only the "
        "kernel's *sum*; every kernel with that sum fits perfectly (the loss goes to 0), and "
        "gradient descent stops at whichever one is closest to its start. From zeros it "
        "finds the flat average kernel, not the true one."
    ),
    "bigger": (
        "**Why it fails:** the target was made by a 5×5 kernel, which looks two pixels out; a "
        "3×3 kernel sees only one. No 3×3 kernel reproduces the target, so the loss levels "
        "off above zero at the best compromise (dashed line) and there is no true 3×3 kernel "
        "to converge to."
    ),
}


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
    _, _, best_loss = learn.best_fit(x, y, kernel_shape, use_bias=use_bias)
    return analysis, best_loss


def round_rate(rate: float) -> float:
    """A learning rate to three significant digits, as the messages print it."""
    if not math.isfinite(rate) or rate <= 0:
        return 0.03
    return float(f"{rate:.3g}")


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
                label="experiment"),
    us.UrlParam("kl_lr", "float", 0.03, min=1e-7, max=100.0, name="lr", label="learning rate"),
    us.UrlParam("kl_steps", "int", 10, min=1, max=5000, name="steps", label="steps"),
    us.UrlParam("kl_kernel_size", "choice", "1×2", choices=list(KERNEL_SIZES), name="ks",
                label="kernel size"),
    us.UrlParam("kl_bias", "bool", False, name="bias", label="bias"),
    us.UrlParam("kl_init", "choice", "random", choices=["random", "zeros"], name="init",
                label="start"),
    us.UrlParam("kl_seed", "int", 0, min=0, max=10_000, name="seed", label="seed"),
    us.UrlParam("kl_noise", "float", 0.0, min=0.0, max=0.5, name="noise", label="noise"),
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
    ss.setdefault("kl_custom", "1 0 -1\n2 0 -2\n1 0 -1")
    ss.setdefault("kl_playing", False)
    ss.setdefault("kl_pending_steps", 0)
    ss.setdefault("kl_lr_auto", False)


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


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------

st.set_page_config(page_title="Learning a kernel · Convolution Explorer", layout="wide")
us.sync_from_url(URL)
init_session()
ss = st.session_state

st.title("🎓 Kernel learning")
st.markdown(
    "Given only an input X and an output Y, gradient descent finds the kernel K with "
    "Y = X ⋆ K by itself. Loss L = Σ (X ⋆ K − Y)², summed squared error; update "
    "K ← K − lr · ∂L/∂K."
)

# ---- the data ---------------------------------------------------------------------------------
experiment = st.selectbox(
    "Experiment",
    list(EXPERIMENTS),
    format_func=EXPERIMENTS.get,
    key="kl_experiment",
    on_change=on_experiment_change,
)
st.markdown(EXPERIMENT_HELP[experiment])

image = None
image_key = experiment
uses_photo = experiment in ("photo", "bigger")
data_cols = st.columns(4 if uses_photo else 3)
if uses_photo:
    with data_cols.pop(0):
        photo = image_source("kl", label="Photo", default="house.png")
        if photo is None:
            st.stop()  # waiting for an upload; image_source says so
        centre = st.checkbox(
            "Centre the photo (subtract the mean)",
            key="kl_centre",
            help="Every window shares the photo's average brightness, so the loss is very "
            "steep in one direction and nearly flat in others. Subtracting the mean makes it "
            "much rounder (see the condition number) and gradient descent many times faster.",
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

with data_cols[0]:
    true_name = st.selectbox(
        "True kernel (makes Y; hidden from the learner)",
        true_names,
        key="kl_true",
        format_func=lambda n: "Custom…" if n == CUSTOM else get_kernel(n).label,
        disabled=experiment == "book",
    )
    if true_name == CUSTOM:
        custom_text = st.text_area("Custom kernel (one row per line)", key="kl_custom")
        try:
            true_kernel = parse_grid(custom_text)
        except ValueError as exc:
            st.error(str(exc))
            st.stop()
    else:
        true_kernel = np.array(get_kernel(true_name).array)

with data_cols[1]:
    size_label = st.selectbox("Learned kernel size", KERNEL_SIZES, key="kl_kernel_size")
    kernel_shape = tuple(int(v) for v in size_label.split("×"))
with data_cols[2]:
    noise = st.slider(
        "Noise on Y (standard deviation)", 0.0, 0.5, step=0.01, key="kl_noise",
        help="Gaussian noise added to the target; the seed below fixes it.",
    )

try:
    problem = build_problem(experiment, image, true_kernel, kernel_shape, noise, int(ss.kl_seed))
except ValueError as exc:
    st.error(str(exc))
    st.stop()

# ---- settings ---------------------------------------------------------------------------------
use_bias_now = bool(ss.kl_bias)
analysis, best_loss = analyse(problem.x, problem.y, kernel_shape, use_bias_now)
if ss.kl_lr_auto:
    ss.kl_lr = round_rate(analysis.lr_suggested)
    ss.kl_lr_auto = False

set_cols = st.columns([1.2, 1, 1, 1, 1])
with set_cols[0]:
    lr = st.number_input(
        "Learning rate", min_value=1e-7, max_value=100.0, step=0.001, format="%g", key="kl_lr"
    )
    st.caption(
        f"Stable below **{analysis.lr_limit:.3g}** (= 2/λmax; λmax = {analysis.lambda_max:.3g} "
        "is the loss's steepest curvature). Condition number λmax/λmin = "
        + ("∞" if math.isinf(analysis.condition) else f"{analysis.condition:.3g}")
        + ": the larger, the slower the flattest direction converges."
    )
with set_cols[1]:
    max_steps = st.number_input("Number of steps", 1, 5000, step=10, key="kl_steps")
with set_cols[2]:
    init_mode = st.radio("Start from", ["random", "zeros"], key="kl_init", horizontal=True)
    seed = st.number_input("Random seed", 0, 10_000, step=1, key="kl_seed")
with set_cols[3]:
    use_bias = st.checkbox("Learn a bias b too", key="kl_bias")
with set_cols[4]:
    log_scale = st.toggle("Log-scale loss", key="kl_log")
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
    st.warning(
        f"These data determine only {analysis.rank} of the {analysis.n_params} numbers being "
        "learned: many kernels fit equally well, and gradient descent ends at the one closest "
        "to its start."
    )

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
button_cols = st.columns(5)
button_cols[0].button(
    "▶ Resume" if state.step > 0 and state.can_step else "▶ Start",
    key="kl_start",
    on_click=on_start,
    disabled=ss.kl_playing or not state.can_step,
    type="primary",
    width="stretch",
)
button_cols[1].button(
    "Pause", key="kl_pause", on_click=on_pause, disabled=not ss.kl_playing, width="stretch"
)
button_cols[2].button(
    "+1 step", key="kl_step", on_click=on_step, disabled=not state.can_step, width="stretch"
)
button_cols[3].button("Reset", key="kl_reset", on_click=on_reset, width="stretch")
ss.setdefault("kl_speed", "normal")
speed = button_cols[4].select_slider(
    "Speed", list(SPEEDS), key="kl_speed", label_visibility="collapsed",
    format_func={"slow": "🐢 slow", "normal": "speed: normal", "fast": "🐇 fast"}.get)
button_cols[4].caption(
    f"{steps_per_refresh(config.max_steps) / SPEEDS[speed]:.3g} steps per second")

if state.status == "diverged":
    st.error(state.message, icon="💥")
    suggested = round_rate(state.suggested_lr or analysis.lr_suggested)
    st.button(
        f"Use learning rate {suggested:g} and start again",
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
) -> None:
    """Advance the run if it is playing, then draw its numbers and charts."""
    ss = st.session_state
    state = ss.kl_state
    if ss.kl_playing and state.can_step:
        for _ in range(steps_per_refresh(config.max_steps)):
            state = learn.step(state, problem.x, problem.y, config)
            if not state.can_step:
                break
        ss.kl_state = state
        if not state.can_step:
            ss.kl_playing = False
            st.rerun()  # the whole page: buttons, messages, and the timer stops

    error = learn.kernel_error(state.kernel, problem.true_kernel)
    metric_cols = st.columns(4 + config.use_bias + show_sum)
    metric_cols[0].metric("Step", f"{state.step} / {config.max_steps}")
    metric_cols[1].metric("Loss", f"{state.loss:.4g}")
    metric_cols[2].metric("‖K − K_true‖", "—" if error is None else f"{error:.3g}")
    status_text = {"running": "playing" if ss.kl_playing else "paused"}.get(
        state.status, state.status
    )
    metric_cols[3].metric("Status", status_text)
    extra = iter(metric_cols[4:])
    if config.use_bias:
        next(extra).metric("Bias b", f"{state.bias:.4g}")
    if show_sum:  # all a flat image pins down
        next(extra).metric("Sum of K", f"{state.kernel.sum():.4g}")

    chart_cols = st.columns([2, 1, 1])
    with chart_cols[0]:
        show_vega(
            lf.loss_chart(
                state.losses,
                log_scale=bool(ss.kl_log),
                max_steps=config.max_steps,
                best_loss=best_loss if best_loss > 1e-9 * max(state.losses[0], 1e-300) else None,
            ),
            "kl_loss_chart",
        )
    digits = 2 if max(config.kernel_shape) <= 3 else 1
    with chart_cols[1]:
        show_vega(
            lf.kernel_chart(state.kernel, "Kernel K", digits=digits), "kl_kernel_chart", "content"
        )
    with chart_cols[2]:
        show_vega(
            lf.kernel_chart(state.grad_kernel, "Gradient ∂L/∂K", digits=digits),
            "kl_grad_chart",
            "content",
        )
    if show_error and problem.true_kernel is not None:
        errors = [learn.kernel_error(k, problem.true_kernel) for k in state.kernels]
        show_vega(lf.error_chart(errors, max_steps=config.max_steps), "kl_error_chart")


def show_vega(chart: lf.VegaChart, key: str, width: str = "stretch") -> None:
    """Draw a live chart; same spec + new data = updated in place, no blank frame."""
    st.vega_lite_chart(chart.data, chart.spec, key=key, width=width)


playing = bool(ss.kl_playing)
live = st.fragment(run_every=SPEEDS[ss.kl_speed] if playing else None)(draw_live)
live(problem, config, best_loss, experiment != "book", experiment == "constant")

# ---- the data, the truth, the formula ----------------------------------------------------------
with st.expander("The data: X, Y and the true kernel", expanded=experiment == "book"):
    if problem.true_kernel is not None:
        truth_shown, truth_title = problem.true_kernel, "True kernel"
    else:
        truth_shown = problem.generating_kernel
        truth_title = f"Kernel that made Y ({truth_shown.shape[0]}×{truth_shown.shape[1]})"
    data_col, truth_col = st.columns([3, 1])
    data_col.plotly_chart(
        lf.data_figure(problem.x, problem.y),
        key="kl_data_chart",
        width="content",
        config={"displayModeBar": False},
    )
    with truth_col:
        show_vega(lf.kernel_chart(truth_shown, truth_title), "kl_truth_chart", "content")

with st.expander("Where the gradient comes from", expanded=False):
    st.markdown(
        "The output is Ŷ = X ⋆ K (+ b). The loss sums squared errors, so its gradient with "
        "respect to the output is ∂L/∂Y = 2 (Ŷ − Y). Each kernel entry K[a, b] multiplies "
        "X[i + a, j + b] in every output cell (i, j), so the chain rule collects"
    )
    st.latex(
        r"\frac{\partial L}{\partial K_{a,b}} = \sum_{i,j} X_{i+a,\,j+b}\,"
        r"\frac{\partial L}{\partial Y_{i,j}}"
        r"\quad\Longleftrightarrow\quad"
        r"\frac{\partial L}{\partial K} = X \star \frac{\partial L}{\partial Y}"
    )
    st.markdown(
        "— the cross-correlation of the input with the output gradient: the same sliding "
        "window, with ∂L/∂Y in the role of the kernel. With a bias, ∂L/∂b = Σ ∂L/∂Y. "
        "convcore computes it with `conv2d_backward`; the heatmap above shows it at the "
        "current kernel."
    )

# ---- two engines, one answer ------------------------------------------------------------------
st.subheader("Two engines, one answer")
compare_steps = min(config.max_steps, 500)
st.markdown(
    f"Run {compare_steps} steps from the same initial kernel twice: once with PyTorch "
    "(`nn.Conv2d` and autograd, as in the book), once with convcore's hand-derived gradient "
    "(`conv2d_backward`), both in float64."
)
compare_key = (signature, config.lr, compare_steps)
if st.button("Run both engines", key="kl_compare_run"):
    with st.spinner("Importing PyTorch (a few seconds the first time) and training…"):
        try:
            torch_run = learn.torch_trajectory(problem.x, problem.y, config, compare_steps)
        except ImportError:
            st.warning("PyTorch is not installed here, so only convcore's engine can run.")
            torch_run = None
    if torch_run is not None:
        reference = learn.train(
            problem.x, problem.y, dataclasses.replace(config, max_steps=compare_steps)
        )
        ss.kl_compare = (compare_key, learn.trajectory_of(reference), torch_run)

if ss.get("kl_compare") and ss.kl_compare[0] == compare_key:
    _, mine, theirs = ss.kl_compare
    n_common = min(len(mine.losses), len(theirs.losses))
    difference = mine.max_difference(theirs)
    cols = st.columns(2)
    for col, run, name in (
        (cols[0], mine, "convcore: ∂L/∂K = X ⋆ ∂L/∂Y by hand"),
        (cols[1], theirs, "PyTorch: autograd through nn.Conv2d"),
    ):
        with col:
            st.markdown(f"**{name}**")
            st.code(
                f"kernel after {len(run.losses) - 1} steps:\n"
                + np.array2string(run.kernels[-1], precision=12, floatmode="fixed")
                + f"\nloss: {run.losses[-1]:.15g}",
                language=None,
            )
    st.metric(
        f"Largest difference over {n_common - 1} steps (kernel, bias and loss)",
        f"{difference:.1e}",
    )
    st.plotly_chart(
        lf.engines_figure(mine.kernels, theirs.kernels),
        key="kl_engines_chart",
        config={"displayModeBar": False},
    )
    st.success(
        "Autograd differentiates nn.Conv2d mechanically and knows nothing of our formula; "
        f"agreement to {difference:.0e} at every step (rounding level) shows that "
        "∂L/∂K = X ⋆ ∂L/∂Y is exactly the gradient, not an approximation of it."
    )

with st.expander("🔗 Share this view"):
    us.share_link_box()
