"""The "This layer in code" panel on the four pages, and the padding & stride page's
frameworks table with the seeds' TensorFlow examples (issue 17), through AppTest.

The snippets' numbers are checked against convcore in tests/ui/test_framework_code.py; here:
the panel is on each page, every framework can be picked, the PyTorch code the page prints
runs and prints the page's output, MXNet is labelled retired, the table gives each
framework's answer for the seeds' two examples.
"""

from __future__ import annotations

import contextlib
import html
import io
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from convcore import conv2d

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180
PAGES = [
    pytest.param("app_pages/sliding_window.py", "sw_code", id="sliding_window"),
    pytest.param("app_pages/padding_stride.py", "ps_code", id="padding_stride"),
    pytest.param("app_pages/channels.py", "channels_mi_code", id="channels"),
    pytest.param("app_pages/pooling.py", "pool_code", id="pooling"),
]
NUMBER = re.compile(r"-?\d+\.?\d*(?:e[-+]?\d+)?")


def open_page(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def panel_codes(at: AppTest, framework: str) -> list[str]:
    """The code blocks the page's panels show (their first lines name the imports of that
    framework), in page order."""
    first = {"PyTorch": "import torch", "Keras": "import keras", "JAX": "from jax import lax",
             "MXNet": "# MXNet Gluon"}[framework]
    return [c.value for c in at.code if c.language == "python" and first in c.value
            and "# input (C, H, W), channels first" in c.value]


def panel_code(at: AppTest, framework: str) -> str | None:
    """The code block of the page's first panel (channels has three: one a tab)."""
    blocks = panel_codes(at, framework)
    return blocks[0] if blocks else None


def printed(code: str) -> np.ndarray:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<panel>", "exec"), {})
    return np.array([float(t) for t in NUMBER.findall(out.getvalue())])


@pytest.mark.parametrize(("path", "key"), PAGES)
def test_each_page_has_the_panel_with_four_frameworks(path, key):
    at = open_page(path)
    assert any(e.label.endswith("This layer in code") for e in at.expander)
    radio = at.radio(key=key)
    assert radio.options == ["PyTorch", "Keras 3", "JAX", "MXNet (retired)"]
    torch_blocks = len(panel_codes(at, "PyTorch"))  # the default, one a panel
    assert torch_blocks >= 1 and not panel_codes(at, "MXNet")
    radio.set_value("MXNet").run()
    assert not at.exception
    assert len(panel_codes(at, "PyTorch")) == torch_blocks - 1
    assert len(panel_codes(at, "MXNet")) == 1
    assert any("MXNet is retired" in c.value for c in at.caption)


def test_every_channels_tab_with_a_layer_has_its_panel_and_its_code_runs():
    """Many inputs, many outputs and the 1×1 convolution each get the panel; each PyTorch
    snippet prints conv2d of the input and weights it holds (the page's own arrays)."""
    at = open_page("app_pages/channels.py")
    for key in ("channels_mi_code", "channels_mo_code", "channels_mx_code"):
        assert at.radio(key=key).options[0] == "PyTorch"
    blocks = panel_codes(at, "PyTorch")
    assert len(blocks) == 3
    for code in blocks:
        data, lines, inside = {}, [], False
        for line in code.splitlines():  # the x = / w = / b = statements and their rows
            if re.match(r"^(x|w|b) = ", line):
                inside = True
            elif not line.startswith(" "):
                inside = False
            if inside:
                lines.append(line)
        exec(compile("import numpy as np\n" + "\n".join(lines), "<data>", "exec"), data)
        expected = conv2d(data["x"], data["w"])
        if "b" in data:
            expected = expected + np.asarray(data["b"])[:, None, None]
        np.testing.assert_allclose(printed(code), expected.ravel(), rtol=1e-4, atol=1e-4)


def test_padding_stride_pytorch_code_prints_the_pages_output():
    at = open_page("app_pages/padding_stride.py")
    at.button(key="ps_preset_2").click().run()  # 8×8, k3, p1, s2 (the seeds)
    x = np.arange(64.0).reshape(8, 8)
    expected = conv2d(x, np.ones((3, 3)), stride=2, padding=1)
    np.testing.assert_allclose(printed(panel_code(at, "PyTorch")), expected.ravel())


def _table(at: AppTest) -> str:
    tables = [h.proto.body for h in at.get("html") if "fw-table" in h.proto.body]
    assert len(tables) == 1
    return tables[0]


def _rows(table: str) -> dict[str, list[str]]:
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table)[1:]:
        found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in found]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_seeds_tensorflow_same_stride_example_in_one_click():
    at = open_page("app_pages/padding_stride.py")
    at.button(key="ps_tf_0").click().run()
    assert not at.exception
    rows = _rows(_table(at))
    assert list(rows) == ["PyTorch", "Keras", "JAX", "MXNet (retired)"]
    for name, cells in rows.items():
        assert cells[3] == "0, 1, 0, 1", (name, cells)  # TensorFlow's pads: extra after
        assert cells[4] == "4×4", (name, cells)
    assert rows["Keras"][5] == rows["JAX"][5] == "yes"
    assert rows["PyTorch"][5].startswith("no: an extra step")
    assert rows["PyTorch"][1] == "(1, 1, 3, 3)" and rows["Keras"][1] == "(3, 3, 1, 1)"
    assert rows["PyTorch"][0] == "NCHW, OIHW" and rows["Keras"][0] == "NHWC, HWIO"
    assert any("PyTorch refuses padding='same' with a stride" in c.value for c in at.caption)
    # PyTorch's code pads explicitly and still gives Keras' 4×4
    expected = conv2d(np.arange(64.0).reshape(8, 8), np.ones((3, 3)), stride=2,
                      padding=((0, 1), (0, 1)))
    assert expected.shape == (4, 4)
    np.testing.assert_allclose(printed(panel_code(at, "PyTorch")), expected.ravel())


def test_the_seeds_tensorflow_valid_example_in_one_click():
    at = open_page("app_pages/padding_stride.py")
    at.button(key="ps_tf_1").click().run()
    rows = _rows(_table(at))
    assert {cells[4] for cells in rows.values()} == {"2×1"}
    assert {cells[5] for cells in rows.values()} == {"yes"}
    assert rows["Keras"][2] == "padding='valid'"


def test_a_pooling_padding_pytorch_refuses_still_has_code_in_every_framework():
    at = open_page("app_pages/pooling.py")
    at.button(key="pool_preset_mxnet").click().run()  # MaxPool2D((2, 3), padding=(1, 2), ...)
    assert any("PyTorch refuses" in e.value for e in at.error)
    code = panel_code(at, "PyTorch")
    assert "F.pad" in code
    # the result d2l prints under this MXNet example
    np.testing.assert_allclose(printed(code), [0, 3, 8, 11, 12, 15])


def test_the_panel_in_chinese():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = "zh"
    at.run()
    at.switch_page("app_pages/padding_stride.py").run()
    assert any(e.label.endswith("这一层的代码") for e in at.expander)
    assert at.radio(key="ps_code").options[-1] == "MXNet（已停止维护）"


def test_the_framework_travels_in_the_link():
    """``?fw=keras`` opens every panel at Keras; picking JAX in one puts ``fw=jax`` in the
    link and the next page's panel opens with it; PyTorch (the default) leaves the link."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["fw"] = "Keras"
    at.run()
    at.switch_page("app_pages/channels.py").run()
    assert not at.exception
    assert [at.radio(key=k).value for k in
            ("channels_mi_code", "channels_mo_code", "channels_mx_code")] == ["Keras"] * 3
    at.radio(key="channels_mo_code").set_value("JAX").run()
    assert at.query_params["fw"] == "jax"
    at.switch_page("app_pages/pooling.py").run()
    assert at.radio(key="pool_code").value == "JAX"
    at.radio(key="pool_code").set_value("PyTorch").run()
    assert "fw" not in at.query_params
    at.query_params["fw"] = "fortran"  # unknown: ignored, the session's choice stays
    at.switch_page("app_pages/sliding_window.py").run()
    assert not at.exception and at.radio(key="sw_code").value == "PyTorch"
