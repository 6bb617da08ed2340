"""AppTest for the "Whole network" page (issue 16), reached through app.py's navigation.

Each input kind (test example, painted grid by keyboard, uploaded picture), a unit picked
by keyboard (the mouse click is the browser test's), each kind of unit's numbers against
convcore computed here, a good user model and every kind of bad one (each keeps the
previous model), a tampered link, the training start and the per-server training cap.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest
from torch import nn

from convcore.datasets import CLASS_NAMES, shapes_dataset
from convcore.lenet import as_network_input, builtin_network
from convcore.trace import format_number
from convcore.units import run_network, unit_details

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/whole_network.py"
TIMEOUT = 120


def open_page(**query: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(PAGE).run()
    clean(app)
    return app


def clean(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


def text(app: AppTest) -> str:
    parts = [m.value for m in app.main.markdown] + [c.value for c in app.main.caption]
    parts += [s.value for s in app.success] + [w.value for w in app.warning]
    parts += [e.value for e in app.error] + [i.value for i in app.info]
    parts += [h.proto.body for h in app.get("html")]  # the live regions
    return "\n".join(parts)


def prediction(app: AppTest) -> tuple[str, str]:
    found = re.search(r"the network says <strong>(\w+)</strong> with probability "
                      r"<strong>([0-9.]+) %</strong>", text(app))
    assert found, text(app)[:2000]
    return found.group(1), found.group(2)


def expected(x: np.ndarray) -> tuple[str, str]:
    run = run_network(builtin_network(), x)
    p = run.probabilities
    return CLASS_NAMES[int(p.argmax())], format_number(100 * p.max(), digits=3)


@pytest.fixture(scope="module")
def test_set():
    return shapes_dataset("test")


# ------------------------------------------------------------------------------ inputs


@pytest.mark.parametrize("index", [0, 7, 1999], ids=["first", "seventh", "last"])
def test_a_test_example_is_classified_as_convcore_says(index, test_set):
    app = open_page(ex=str(index))
    assert prediction(app) == expected(test_set[0][index])
    assert app.get("plotly_chart"), "the overview is drawn"


def test_painting_by_keyboard_changes_the_input(test_set):
    app = open_page(src="draw")
    empty = prediction(app)
    assert empty == expected(np.zeros((1, 28, 28), dtype=np.float32))
    app.button(key="wn_from_ex").click().run()  # the test example, thresholded on 14×14
    clean(app)
    cells = app.session_state["wn_cells"]
    assert len(cells) > 5
    grid = np.zeros(196)
    grid[list(cells)] = 1
    assert prediction(app) == expected(as_network_input(grid.reshape(14, 14)))
    app.number_input(key="wn_draw_row").set_value(0).run()
    app.number_input(key="wn_draw_col").set_value(0).run()
    app.button(key="wn_toggle").click().run()
    clean(app)
    assert (0 in app.session_state["wn_cells"]) != (0 in cells)


def test_an_uploaded_picture_is_converted_to_the_input_size():
    canvas = np.full((60, 90), 255, dtype=np.uint8)  # dark ink on white paper
    canvas[10:50, 44:47] = 0  # a vertical line
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, "PNG")
    app = open_page(src="upload")
    app.file_uploader(key="wn_upload").set_value(("line.png", buffer.getvalue(), "image/png")).run()
    clean(app)
    gray = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L"), dtype=np.float64)
    assert prediction(app) == expected(as_network_input(gray))
    assert "line.png" in text(app)


def test_a_picture_that_is_not_one_gets_a_sentence():
    app = open_page(src="upload")
    app.file_uploader(key="wn_upload").set_value(("notes.png", b"not a picture", "image/png")).run()
    clean(app)
    assert any("cannot be used" in e.value for e in app.error)


# ------------------------------------------------------------------------------ units


def _pick(app: AppTest, layer: int, *index: int) -> AppTest:
    app.selectbox(key="wn_layer").set_value(layer).run()
    keys = ("wn_ch", "wn_row", "wn_col") if len(index) == 3 else ("wn_row",)
    for key, value in zip(keys, index, strict=True):
        app.number_input(key=key).set_value(value).run()
    clean(app)
    return app


def test_a_conv_unit_shows_its_partial_sums_bias_and_total(test_set):
    app = _pick(open_page(), 3, 5, 2, 7)
    d = unit_details(run_network(builtin_network(), test_set[0][0]), 3, (5, 2, 7))
    words = text(app)
    assert "Convolution" in words
    for s in d.partial_sums:
        assert format_number(s, parenthesize=True, digits=3) in words
    assert f"**{format_number(d.total)}**" in words
    assert f"**{format_number(d.activation)}**" in words  # after the ReLU


def test_a_pool_unit_names_its_winner(test_set):
    app = _pick(open_page(), 2, 1, 3, 4)
    d = unit_details(run_network(builtin_network(), test_set[0][0]), 2, (1, 3, 4))
    words = text(app)
    assert f"**{format_number(d.details.result)}**, at row {d.details.winner[0]}, column " \
           f"{d.details.winner[1]}" in words


def test_a_dense_unit_lists_its_largest_contributions(test_set):
    app = _pick(open_page(), 11, 2)
    d = unit_details(run_network(builtin_network(), test_set[0][0]), 11, (2,))
    assert f"**{format_number(d.total)}**" in text(app)
    charts = [c for c in app.get("plotly_chart") if '"contributions"' in c.proto.spec]
    assert len(charts) == 1


# ------------------------------------------------------------------------------ your model


def _model_files(model: nn.Sequential) -> tuple[str, bytes]:
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return str(model), buffer.getvalue()


def _small_model(channels: int = 4) -> nn.Sequential:
    torch.manual_seed(3)
    return nn.Sequential(nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(channels * 14 * 14, 3))


def _load(app: AppTest, text_: str, data: bytes, name: str = "model.pt") -> AppTest:
    app.text_area(key="wn_text").set_value(text_).run()
    app.file_uploader(key="wn_weights").set_value((name, data, "application/octet-stream")).run()
    app.button(key="wn_load").click().run()
    clean(app)
    return app


@pytest.fixture(scope="module")
def loaded():
    model = _small_model()
    app = _load(open_page(), *_model_files(model))
    return app, model


def test_a_good_model_is_loaded_drawn_and_checked_against_pytorch(loaded):
    app, model = loaded
    success = [s.value for s in app.success if "Loaded model.pt" in s.value]
    assert success, text(app)[:1500]
    difference = float(re.search(r"\*\*([0-9.e+-]+)\*\*", success[0]).group(1))
    assert difference < 1e-5
    assert app.session_state["wn_model"] == "user"
    assert "your model (model.pt)" in text(app)
    x = as_network_input(shapes_dataset("test")[0][0][0])
    with torch.no_grad():
        p = torch.softmax(model(torch.from_numpy(x[None])), 1)[0].numpy()
    assert f"probability <strong>{format_number(100 * p.max(), digits=3)} %</strong>" \
        in text(app)


BAD = {
    "python_code": ("import os\nos.system('echo hi')", None, "do not make a network"),
    "whole_model_pickle": (None, "whole", "cannot be used as a state dict"),
    "not_a_state_dict": (None, "list", "cannot be used as a state dict"),
    "truncated": (None, "truncated", "cannot be used as a state dict"),
    "text_weights_mismatch": ("other", None, "do not make a network"),
    "too_large_to_draw": ("huge", "huge", "too large to draw"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_model_gets_one_sentence_and_the_previous_model_stays(case, loaded):
    app, model = loaded
    good_text, good_data = _model_files(model)
    text_kind, data_kind, words = BAD[case]
    bad_text = {None: good_text, "other": str(_small_model(5)),
                "huge": str(nn.Sequential(nn.Conv2d(1, 80, 3), nn.ReLU()))}.get(
        text_kind, text_kind)
    if data_kind is None:
        data = good_data
    elif data_kind == "whole":
        buffer = io.BytesIO()
        torch.save(model, buffer)
        data = buffer.getvalue()
    elif data_kind == "list":
        buffer = io.BytesIO()
        torch.save([torch.zeros(3)], buffer)
        data = buffer.getvalue()
    elif data_kind == "truncated":
        data = good_data[: len(good_data) // 2]
    else:
        data = _model_files(nn.Sequential(nn.Conv2d(1, 80, 3), nn.ReLU()))[1]
    digest = app.session_state["wn_user"].digest
    app = _load(app, bad_text, data, name=f"{case}.pt")
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and words in errors[0], errors
    assert "the previous model is kept" in errors[0]
    assert app.session_state["wn_user"].digest == digest
    assert "your model (model.pt)" in text(app)


# ------------------------------------------------------------------------------ the rest


def test_a_tampered_link_gives_a_sentence_and_defaults():
    app = open_page(layer="lots", src="magic", ex="-3")
    words = text(app)
    assert "layer" in words and "input" in words
    assert app.session_state["wn_src"] == "example"


def test_larger_inputs_section_shows_the_refusal_and_the_gap_network():
    app = open_page()
    warning = next(w.value for w in app.warning if "refuses the scene" in w.value)
    assert "expects 400 input values" in warning and "have 3,648" in warning  # 16×12×19
    assert not any("hardly better than guessing" in i.value for i in app.info)  # LeNet: 52 %
    app.radio(key="wn_struct").set_value("gap").run()
    clean(app)
    assert any("global average pooling the whole network takes the scene" in s.value
               for s in app.success)
    # the GAP network's class map is right on 18 % of the strokes: the page says so
    assert any("hardly better than guessing one of 5 classes (20 %)" in i.value
               for i in app.info)


def test_training_steps_and_the_per_server_cap():
    first = open_page()
    first.button(key="wn_start").click().run()
    clean(first)
    trainer = first.session_state["wn_trainer"]
    assert trainer.step > 0  # the fragment ran its first steps
    assert trainer.config.threads == 1
    second = open_page()
    second.button(key="wn_start").click().run()
    clean(second)
    third = open_page()
    third.button(key="wn_start").click().run()
    clean(third)
    assert any("as many as it allows at once" in w.value for w in third.warning)
    assert "wn_trainer" not in third.session_state
    for app in (first, second):
        app.button(key="wn_pause").click().run()
    third.button(key="wn_start").click().run()  # a slot is free again
    clean(third)
    assert third.session_state["wn_trainer"].step > 0
    third.button(key="wn_pause").click().run()
