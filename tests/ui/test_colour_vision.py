"""The app's colours under protanopia, deuteranopia and tritanopia (tools/cvd.py), and the
rule that padding, window and picked cells never differ by colour alone."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tools.cvd import KINDS, delta_e, hex_rgb, simulate, simulate_file
from ui import figures as F

#: CIE76 ΔE*ab two marks must keep to be told apart at a glance (≈ 2.3 is "just noticeable";
#: 15 is comfortably distinct at a cell's size).
DISTINCT = 15.0
VISIONS = [None, *KINDS]
PALETTE = sorted(set(F.RED_BLUE + F.BLUES))


@pytest.mark.parametrize("kind", VISIONS, ids=lambda k: k or "normal")
@pytest.mark.parametrize("k", range(5), ids=lambda k: f"step{k}")
def test_diverging_signs_stay_apart(kind, k):
    """Equally strong negative and positive values (RED_BLUE[k] vs RED_BLUE[10 − k])."""
    assert delta_e(F.RED_BLUE[k], F.RED_BLUE[10 - k], kind) >= DISTINCT


@pytest.mark.parametrize("kind", VISIONS, ids=lambda k: k or "normal")
@pytest.mark.parametrize("mark", ["PICK_COLOR", "FEED_COLOR", "OUTLINE_COLOR"])
def test_outlines_show_on_every_cell_colour(kind, mark):
    """An outline is drawn over a white halo (ui.figures.add_outline, the animation's
    window): on each cell colour the line or its halo must stand out."""
    colour = getattr(F, mark)
    worst = min(max(delta_e(colour, cell, kind), delta_e(F.HALO_COLOR, cell, kind))
                for cell in PALETTE)
    assert worst >= DISTINCT


@pytest.mark.parametrize("kind", VISIONS, ids=lambda k: k or "normal")
def test_the_picked_cell_and_the_cells_it_feeds_differ(kind):
    assert delta_e(F.PICK_COLOR, F.FEED_COLOR, kind) >= DISTINCT


def test_padding_is_hatched_and_bordered_not_only_grey():
    mask = np.ones((4, 4), dtype=bool)
    mask[1:3, 1:3] = False
    fig = F.grid_figure([F.Panel(np.arange(16.0).reshape(4, 4), "x", pad_mask=mask,
                                 origin=(1, 1), name="input")])
    shapes = {s.name: s for s in fig.layout.shapes}
    assert shapes["input:hatch"].type == "path" and shapes["input:hatch"].path
    assert shapes["input:border"].line.dash == "dash"


def test_the_window_is_a_thick_frame_over_a_halo():
    fig = F.animation_figure(
        [F.Panel(np.zeros((3, 3)), "in", name="input"), F.Panel(np.zeros((2, 2)), "out",
                                                               name="output")],
        [F.Step(window=(0, 0, 1, 1), output=(0, 0, 0, 0), text="a")])
    shapes = {s.name: s for s in fig.layout.shapes}
    assert shapes["window"].line.width > 3 and shapes["window"].line.color == F.OUTLINE_COLOR
    assert shapes["window:halo"].line.width > shapes["window"].line.width
    assert shapes["window"].fillcolor is None  # a frame: the cells' numbers stay readable


def test_simulation_keeps_greys_and_moves_red_and_green_together():
    greys = np.array([[0.0, 0, 0], [128, 128, 128], [255, 255, 255]])
    for kind in KINDS:
        np.testing.assert_allclose(simulate(greys, kind), greys, atol=1.0)
    # Pure red and green are far apart normally and close for a deuteranope.
    assert delta_e("#d62728", "#2ca02c") > 3 * delta_e("#d62728", "#2ca02c", "deuteranopia")


def test_simulation_rejects_bad_input():
    with pytest.raises(ValueError, match="kind must be one of"):
        simulate([[0, 0, 0]], "achromatopsia")
    with pytest.raises(ValueError, match="3 channels"):
        simulate([0, 0], "protanopia")
    with pytest.raises(ValueError, match="#rrggbb"):
        hex_rgb("red")


def test_simulate_file_writes_one_picture_per_dichromacy(tmp_path):
    src = tmp_path / "shot.png"
    Image.fromarray(np.full((4, 6, 3), (214, 96, 77), dtype=np.uint8)).save(src)
    made = simulate_file(src)
    assert [p.name for p in made] == [f"shot.{k}.png" for k in KINDS]
    for path, kind in zip(made, KINDS, strict=True):
        with Image.open(path) as im:
            got = np.asarray(im.convert("RGB"))[0, 0]
        np.testing.assert_allclose(got, simulate(np.array([214, 96, 77]), kind), atol=0.51)
