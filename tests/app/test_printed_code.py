"""Every code line the app prints runs (issue 18, docs/glossary.md "Code style").

The app is driven with AppTest over every page (defaults, each preset, and the states that
print extra code: a refused pooling padding, an uneven padding, a bias). On each, every Python
code block (``st.code(..., language="python")``), every inline code span in markdown and
captions that is a call or an assignment, every ``nn.Conv2d(...)`` in a button's help and every
``name(...) =`` formula line is collected and executed with torch imported. The seeds' own
MXNet snippets cannot run here: they are excluded by the named list :data:`MXNET_SNIPPETS`
(and the page labels each "(MXNet)"); a test checks that they are labelled so.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from convcore.reference import pool2d
from ui.navigation import existing_pages

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180  # the machine is shared

#: The seeds' MXNet (Gluon) code, shown as the pooling presets' source: it needs MXNet.
MXNET_SNIPPETS = frozenset({
    "nn.MaxPool2D(3)  # X = nd.arange(16).reshape((1, 1, 4, 4))",
    "nn.MaxPool2D(3, padding=1, strides=2)",
    "nn.MaxPool2D((2, 3), padding=(1, 2), strides=(2, 3))",
    "X = nd.concat(X, X + 1, dim=1); nn.MaxPool2D(3, padding=1, strides=2)",
})
#: d2l's ``pool2d`` (a plain loop) runs as convcore.reference.pool2d, the same loop in NumPy.
D2L_X = np.arange(9.0).reshape(3, 3)

INLINE = re.compile(r"`([^`]+)`")
#: An inline span that is code: a call, or an assignment of one.
CODE_SPAN = re.compile(r"^(?:[A-Za-z_]\w*\s*=\s*)?[A-Za-z_][\w.]*\(.*\)")
#: A formula line in a plain code block that starts with a call: ``conv_transpose2d(...) =``.
CALL_FORMULA = re.compile(r"^([A-Za-z_]\w*)\((.*)\) =$")


def help_calls(text: str) -> list[str]:
    """Every ``nn.Conv2d(...)`` in a help text, parentheses balanced."""
    calls = []
    for start in (m.start() for m in re.finditer(r"nn\.Conv2d\(", text)):
        depth = 0
        for end in range(start, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if text[end] == ")" and depth == 0:
                calls.append(text[start:end + 1])
                break
    return calls


def printed_code(at: AppTest) -> dict[str, list[str]]:
    """The code the page shows now, by kind."""
    found = {"python": [], "inline": [], "help": [], "formula": []}
    for block in at.code:
        if block.language == "python":
            found["python"].append(block.value)
        else:
            found["formula"] += [line for line in block.value.splitlines()
                                 if CALL_FORMULA.match(line)]
    for element in [*at.markdown, *at.caption, *at.info, *at.error, *at.warning, *at.success]:
        found["inline"] += [span for span in INLINE.findall(element.value)
                            if CODE_SPAN.match(span)]
    for button in at.button:
        found["help"] += help_calls(button.proto.help)
    return found


def run_python(code: str) -> dict:
    namespace = {"torch": torch, "nn": nn, "F": F,
                 "x": torch.randn(1, 2, 6, 6, dtype=torch.float64)}
    if "weights.npz" not in code:
        exec(compile(code, "<printed code>", "exec"), namespace)
        return namespace
    # The Whole network page's code reads weights.npz, the file its panel offers for
    # download: the built-in LeNet's state dict (the page's default network).
    from convcore.lenet import builtin_network

    with tempfile.TemporaryDirectory() as folder:
        np.savez(Path(folder) / "weights.npz", **builtin_network().state_dict())
        here = os.getcwd()
        os.chdir(folder)
        try:
            exec(compile(code, "<printed code>", "exec"), namespace)
        finally:
            os.chdir(here)
    return namespace


def run_inline(span: str) -> None:
    if span in MXNET_SNIPPETS:
        return
    namespace = {"torch": torch, "nn": nn, "F": F, "pool2d": pool2d, "X": D2L_X,
                 "x": torch.arange(16.0, dtype=torch.float64).view(1, 1, 4, 4),
                 # the "Why convolution" page's y = conv2d(x, K) and its 3×3 kernel K
                 "y": torch.arange(16.0, dtype=torch.float64).view(1, 1, 4, 4),
                 "K": torch.ones(1, 1, 3, 3, dtype=torch.float64)}
    exec(compile(span, "<printed code>", "exec"), namespace)


def run_formula(line: str, in_hw, k_hw, printed_rows: str) -> None:
    """``conv_transpose2d(x, K, ...) =`` with the page's x and K (0, 1, 2, …): the printed rows."""
    name, args = CALL_FORMULA.match(line).groups()
    assert name == "conv_transpose2d"
    x = torch.arange(float(np.prod(in_hw)), dtype=torch.float64).view(1, 1, *in_hw)
    kernel = torch.arange(float(np.prod(k_hw)), dtype=torch.float64).view(1, 1, *k_hw)
    out = eval(f"F.conv_transpose2d({args})", {"F": F, "x": x, "K": kernel})
    assert printed_rows == str(out[0, 0].int().tolist())


def check_all(at: AppTest) -> dict[str, int]:
    """Execute everything printed; return how many of each kind ran."""
    assert not at.exception, [e.value for e in at.exception]
    found = printed_code(at)
    for code in found["python"]:
        run_python(code)
    for span in found["inline"] + found["help"]:
        run_inline(span)
    for block in at.code:
        lines = block.value.splitlines()
        if lines and CALL_FORMULA.match(lines[0]):
            ss = at.session_state
            run_formula(lines[0], (ss["ps_tr_h"], ss["ps_tr_w"]), (ss["ps_tr_kh"], ss["ps_tr_kw"]),
                        lines[1])
    return {kind: len(items) for kind, items in found.items()}


def open_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()


@pytest.mark.parametrize("path", [page.path for page in existing_pages()])
def test_every_page_at_its_defaults_prints_only_code_that_runs(path):
    at = open_app()
    at.switch_page(path).run()
    check_all(at)


def test_pooling_presets_and_refusals_print_only_code_that_runs():
    at = open_app()
    at.switch_page("app_pages/pooling.py").run()
    counts = []
    for name in ("max2", "avg2", "win3", "pad1", "mxnet", "two"):
        at.button(key=f"pool_preset_{name}").click().run()
        counts.append(check_all(at))
    # too much padding: the explicit-padding code (max, then average)
    at.number_input(key="pool_ph").set_value(2).run()
    counts.append(check_all(at))
    at.radio(key="pool_kind").set_value("avg").run()
    counts.append(check_all(at))
    at.number_input(key="pool_ph").set_value(1).run()
    at.radio(key="pool_kind").set_value("lp").run()
    counts.append(check_all(at))
    assert all(c["python"] >= 1 for c in counts), counts  # the "PyTorch for this view" block
    assert sum(c["inline"] for c in counts) >= 6, counts  # the seeds' examples


def test_padding_stride_presets_print_only_code_that_runs():
    at = open_app()
    at.switch_page("app_pages/padding_stride.py").run()
    counts = [check_all(at)]
    buttons = [b.key for b in at.button if b.key and b.key.startswith(("ps_preset_", "ps_extra_",
                                                                       "ps_tr_preset_"))]
    assert len(buttons) >= 8, buttons
    for key in buttons:
        at.button(key=key).click().run()
        counts.append(check_all(at))
    # "PyTorch for this view" and the "This layer in code" panel (PyTorch selected)
    assert all(c["python"] == 2 for c in counts), counts
    assert counts[0]["help"] == 4, counts  # the seeds' nn.Conv2d lines in the preset buttons
    assert counts[0]["formula"] == 1, counts  # conv_transpose2d(...) = …


def test_channels_layer_line_runs_with_and_without_bias():
    at = open_app()
    at.switch_page("app_pages/channels.py").run()
    for bias in (False, True):
        at.toggle(key="channels_mo_bias").set_value(bias).run()
        found = printed_code(at)
        conv_lines = [s for s in found["inline"] if s.startswith("nn.Conv2d(")]
        assert len(conv_lines) == 1, found
        layer = eval(conv_lines[0], {"nn": nn})
        caption = next(c.value for c in at.caption if conv_lines[0] in c.value)
        params = sum(p.numel() for p in layer.parameters())
        assert f"these {params:,} parameters" in caption
        assert (layer.bias is not None) is bias
        check_all(at)


def test_the_seeds_mxnet_snippets_are_labelled_mxnet_on_the_page():
    at = open_app()
    at.switch_page("app_pages/pooling.py").run()
    labelled = set()
    for name in ("win3", "pad1", "mxnet", "two"):
        at.button(key=f"pool_preset_{name}").click().run()
        for caption in at.caption:
            labelled |= {span for span in INLINE.findall(caption.value)
                         if span in MXNET_SNIPPETS and "(MXNet)" in caption.value}
    assert labelled == MXNET_SNIPPETS
