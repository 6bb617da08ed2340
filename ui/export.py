"""Exports for slides and notebooks: the sliding window as an animated GIF, arrays as CSV/.npy.

Pure functions (NumPy, Pillow and the app's colour rules from :mod:`ui.figures`); no
Streamlit, so they are tested without a server. ``ui/downloads.py`` wraps them in
``st.download_button``.

The GIF draws the same picture as the browser animation (:func:`ui.figures.animation_figure`):
the padded input, the kernel and the output as grids of square cells with the app's colours,
padding hatched grey, the window framed in black, the output cell being computed framed too,
and the cells not computed yet covered in grey. One frame per step:

- up to ``max_frames`` output cells, a step is one output cell (the window moves one stride);
- beyond, a step is a whole output row, and when there are more rows than ``max_frames`` the
  rows are spread evenly (first and last included) — :func:`gif_plan` says which, and
  :func:`gif_plan_note` says it in words for the page.

Frames are drawn in palette mode on one shared palette (the grids quantised once, plus the
outline colours), so a 400-frame GIF takes well under a second to build.

Language: titles and words are in the session's language (:mod:`ui.i18n`; outside a script
run, :func:`ui.i18n.use_language`). Chinese needs a CJK font file, which Pillow cannot take
from the browser: the system's Noto Sans CJK (Debian's ``fonts-noto-cjk``) when present
(:func:`cjk_font_path`), else the GIF is drawn with English titles (the numbers are the same).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from convcore.trace import WindowTrace, format_number
from ui import i18n
from ui.figures import (
    BORDER_COLOR,
    COVER_FILL,
    HALO_COLOR,
    OUTLINE_COLOR,
    PADDING_FILL,
    PADDING_TEXT,
    TEXT_COLOR,
    color_scale_for,
    colorize,
    plan_steps,
    row_text,
)
from ui.i18n import _

__all__ = [
    "MAX_GIF_FRAMES",
    "GifPlan",
    "animation_gif",
    "array_to_csv",
    "array_to_npy",
    "cjk_font_path",
    "default_titles",
    "gif_language",
    "gif_plan",
    "gif_plan_note",
]

#: Most frames a GIF gets by default: one per output cell up to this many cells.
MAX_GIF_FRAMES = 400
#: Widest GIF drawn (pixels); cells shrink to fit, down to MIN_CELL_PX.
MAX_GIF_WIDTH_PX = 960
MAX_CELL_PX = 48
MIN_CELL_PX = 3
#: Numbers are printed in the cells from this cell size up (when they fit).
MIN_TEXT_CELL_PX = 26
#: The sum of products is written out for kernels up to this many taps.
MAX_WRITTEN_TERMS = 25

_MARGIN = 14
_GAP_CELLS = 1.6
_TITLE_PX = 24
_LINE_PX = 19
_TITLE_FONT_PX = 13
_CAPTION_FONT_PX = 14
_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/dejavu/DejaVuSansMono.ttf",
    "/Library/Fonts/Menlo.ttc",
    "C:/Windows/Fonts/consola.ttf",
)

#: CJK font files tried for Chinese titles (the first that exists), with the face index of
#: Simplified Chinese inside a collection (Noto Sans CJK: JP, KR, SC, TC, HK).
CJK_FONT_PATHS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
)
#: Languages whose words need a CJK font in a GIF.
CJK_LANGUAGES = frozenset({"zh"})

# Palette indices reserved after the quantised grid colours.
_GRID_COLORS = 240
_OUTLINE, _HALO, _COVER, _TEXT, _PAPER, _TRACK, _FILL = range(_GRID_COLORS, _GRID_COLORS + 7)


# ------------------------------------------------------------------------------ arrays


def _as_numeric_array(arr) -> np.ndarray:
    a = np.asarray(arr)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_):
        raise TypeError(f"only arrays of numbers can be exported, not {a.dtype}")
    if np.iscomplexobj(a):
        raise TypeError("complex arrays cannot be exported as CSV; use .npy")
    return a


def array_to_csv(arr) -> bytes:
    """An array as comma-separated text that reads back exactly.

    Parameters
    ----------
    arr : array_like
        0-D, 1-D (one row) or 2-D ``(rows, cols)`` numbers. A 3-D ``(C, H, W)`` array is
        refused: export one channel at a time, or use :func:`array_to_npy`.

    Returns
    -------
    bytes
        UTF-8, one line per row, ``\\n`` line ends, no header. Floats are written with enough
        digits to round-trip (17 significant digits for float64, 9 for float32); integers and
        booleans (as 0/1) as integers; NaN and infinities as ``nan``/``inf``, which
        ``np.loadtxt(..., delimiter=",")`` reads back. An empty array gives empty bytes.
    """
    a = _as_numeric_array(arr)
    if a.ndim > 2:
        raise ValueError(
            f"a CSV file holds a table (rows × columns), but this array has shape {a.shape}; "
            "export one channel at a time, or download it as .npy")
    if a.size == 0:
        return b""
    table = np.atleast_2d(a)
    if a.dtype == np.bool_:
        table = table.astype(np.uint8)
    if np.issubdtype(table.dtype, np.integer):
        fmt = "%d"
    elif table.dtype.itemsize <= 4:
        fmt = "%.9g"
    else:
        fmt = "%.17g"
    buffer = io.StringIO()
    np.savetxt(buffer, table, fmt=fmt, delimiter=",")
    return buffer.getvalue().encode("utf-8")


def array_to_npy(arr) -> bytes:
    """An array in NumPy's ``.npy`` format (``np.load`` reads it back; no pickles).

    Parameters
    ----------
    arr : array_like
        Any shape and numeric dtype.

    Returns
    -------
    bytes
    """
    a = _as_numeric_array(arr)
    buffer = io.BytesIO()
    np.save(buffer, a, allow_pickle=False)
    return buffer.getvalue()


# ------------------------------------------------------------------------------ frame plan


@dataclass(frozen=True)
class GifPlan:
    """Which steps a GIF shows.

    Attributes
    ----------
    mode : {"cell", "row"}
        One output cell per frame, or one output row per frame.
    steps : tuple
        ``(i, j)`` output cells (mode "cell") or output rows ``i`` (mode "row"), in order.
    out_hw : (int, int)
    """

    mode: str
    steps: tuple
    out_hw: tuple[int, int]

    @property
    def n_frames(self) -> int:
        """One frame per step."""
        return len(self.steps)


def _check_max_frames(max_frames) -> int:
    if isinstance(max_frames, bool) or not isinstance(max_frames, (int, np.integer)):
        raise TypeError(f"max_frames must be an integer, got {max_frames!r}")
    if max_frames < 2:
        raise ValueError(f"max_frames must be at least 2, got {max_frames}")
    return int(max_frames)


def gif_plan(out_hw: tuple[int, int], *, max_frames: int = MAX_GIF_FRAMES) -> GifPlan:
    """The steps of a GIF of an ``out_hw`` output, at most ``max_frames`` of them.

    Uses the browser animation's rule (:func:`ui.figures.plan_steps`) with ``max_frames`` as
    both caps: every output cell when there are at most ``max_frames``, else every output
    row, else ``max_frames`` rows spread evenly.
    """
    max_frames = _check_max_frames(max_frames)
    out_h, out_w = (int(n) for n in out_hw)
    mode, rows = plan_steps((out_h, out_w), max_cell_steps=max_frames, max_frames=max_frames)
    if mode == "cell":
        steps = tuple((i, j) for i in range(out_h) for j in range(out_w))
    else:
        steps = tuple(rows)
    return GifPlan(mode, steps, (out_h, out_w))


def gif_plan_note(out_hw: tuple[int, int], *, max_frames: int = MAX_GIF_FRAMES) -> str:
    """One sentence for the page (in the session's language): how many frames, and why rows
    when there are rows.

    >>> gif_plan_note((2, 2))
    'One frame per output cell: 4 frames.'
    """
    plan = gif_plan(out_hw, max_frames=max_frames)
    cells = f"{plan.out_hw[0] * plan.out_hw[1]:,}"
    if plan.mode == "cell":
        return _("One frame per output cell: {n} frames.").format(n=plan.n_frames)
    if plan.n_frames == plan.out_hw[0]:
        return _("One frame per output row ({n} frames): {cells} output cells are more than "
                 "the {max} frames a GIF gets.").format(n=plan.n_frames, cells=cells,
                                                        max=max_frames)
    return _("{n} of the {rows} output rows, evenly spread, one frame each: {cells} output "
             "cells are more than the {max} frames a GIF gets.").format(
        n=plan.n_frames, rows=plan.out_hw[0], cells=cells, max=max_frames)


# ------------------------------------------------------------------------------ drawing


def _rgb(color: str) -> tuple[int, int, int]:
    """``#rrggbb`` or ``rgba(r, g, b, a)`` (alpha dropped) to an RGB triple."""
    color = color.strip()
    if color.startswith("#"):
        c = color.lstrip("#")
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    inside = color[color.index("(") + 1: color.index(")")]
    r, g, b = (int(float(v)) for v in inside.split(",")[:3])
    return r, g, b


def cjk_font_path() -> tuple[str, int] | None:
    """The first CJK font file of :data:`CJK_FONT_PATHS` on this machine (path, face index),
    or None."""
    for path, index in CJK_FONT_PATHS:
        if Path(path).is_file():
            return path, index
    return None


def gif_language() -> str:
    """The language a GIF is drawn in: the session's, or English when it needs a CJK font
    and this machine has none."""
    lang = i18n.current_language()
    if lang in CJK_LANGUAGES and cjk_font_path() is None:
        return i18n.DEFAULT_LANGUAGE
    return lang


def _font(size: int, cjk: bool = False) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """The monospace font at ``size`` px, or the CJK font (``cjk``) when there is one."""
    found = cjk_font_path() if cjk else None
    if found is not None:
        return _font_file(found[0], found[1], size)
    return _mono_font(size)


@lru_cache(maxsize=16)
def _font_file(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=16)
def _mono_font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for path in _FONT_PATHS:
        if Path(path).is_file():
            try:
                return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
            except OSError:
                continue
    return ImageFont.load_default(size)


@dataclass(frozen=True)
class _Layout:
    cell: int
    width: int
    height: int
    caption_top: int
    progress_top: int
    grid_top: int
    lefts: tuple[int, ...]  # x of the input, kernel and output panels

    def cell_box(self, panel: int, r: int, c: int) -> tuple[int, int, int, int]:
        """Pixel box ``(x0, y0, x1, y1)`` (inclusive) of cell ``(r, c)`` of a panel."""
        x0 = self.lefts[panel] + c * self.cell
        y0 = self.grid_top + r * self.cell
        return x0, y0, x0 + self.cell - 1, y0 + self.cell - 1

    def span_box(self, panel: int, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """Pixel box around the inclusive cell box ``(top, left, bottom, right)``."""
        top, left, bottom, right = box
        x0, y0 = self.cell_box(panel, top, left)[:2]
        x1, y1 = self.cell_box(panel, bottom, right)[2:]
        return x0, y0, x1, y1


def _layout(shapes: Sequence[tuple[int, int]], titles: Sequence[str], caption_lines: int,
            cell_px: int | None, cjk: bool = False) -> _Layout:
    """Panels side by side, square cells of one size, each slot wide enough for its title.

    From the top: the caption (the sum being computed), a progress bar, the titles, the
    grids. Keeping everything that changes near the top keeps the GIF's frame deltas small.
    """
    total_cols = sum(c for _rows, c in shapes) + _GAP_CELLS * (len(shapes) - 1)
    if cell_px is None:
        cell_px = int(np.clip((MAX_GIF_WIDTH_PX - 2 * _MARGIN) // total_cols, MIN_CELL_PX,
                              MAX_CELL_PX))
    cell = int(cell_px)
    title_font = _font(_TITLE_FONT_PX, cjk)
    slots = [max(cols * cell, int(title_font.getlength(title)) + 6)
             for (_rows, cols), title in zip(shapes, titles, strict=True)]
    gap = round(_GAP_CELLS * max(cell, 12))
    grid_w = sum(slots) + gap * (len(slots) - 1)
    width = max(grid_w + 2 * _MARGIN, 360)
    if width > 2 * MAX_GIF_WIDTH_PX:
        raise ValueError(
            f"the grids are {sum(c for _rows, c in shapes)} cells wide in all: too many to draw "
            "cell by cell in a GIF; use a smaller input (a patch of up to 64×64 cells)")
    start = (width - grid_w) // 2
    lefts = []
    for slot in slots:
        lefts.append(start)
        start += slot + gap
    caption_top = _MARGIN
    progress_top = caption_top + caption_lines * _LINE_PX + 6
    grid_top = progress_top + 6 + _TITLE_PX
    height = grid_top + max(r for r, _cols in shapes) * cell + _MARGIN
    return _Layout(cell, width, height, caption_top, progress_top, grid_top, tuple(lefts))


def _fit_caption(captions: list[list[str]], width: int, cjk: bool = False
                 ) -> tuple[ImageFont.ImageFont, list]:
    """The largest caption font (14 down to 10 px) that fits every line; lines still too
    long are cut with an ellipsis."""
    room = width - 2 * _MARGIN
    longest = max((line for lines in captions for line in lines), key=len, default="")
    for size in range(_CAPTION_FONT_PX, 9, -1):
        font = _font(size, cjk)
        if font.getlength(longest) <= room:
            return font, captions
    chars = max(8, int(len(longest) * room / max(font.getlength(longest), 1)) - 1)
    cut = [[line if len(line) <= chars else line[: chars - 1] + "…" for line in lines]
           for lines in captions]
    return font, cut


def _blend(top: tuple[int, int, int], under: tuple[int, int, int], alpha: float):
    return tuple(round(alpha * t + (1 - alpha) * u) for t, u in zip(top, under, strict=True))


def _cell_text_color(rgb: np.ndarray) -> tuple[int, int, int]:
    luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (255, 255, 255) if luma < 120 else _rgb(TEXT_COLOR)


def _draw_panel(canvas: Image.Image, layout: _Layout, panel: int, values: np.ndarray,
                colors: np.ndarray, real: np.ndarray, title: str, digits: int,
                cjk: bool = False) -> None:
    """Cells, padding hatching, the dashed border around the real cells, values, title."""
    draw = ImageDraw.Draw(canvas)
    rows, cols = values.shape
    cell = layout.cell
    gap = 1 if cell >= 8 else 0
    pad_tile = _padding_tile(cell, gap)
    texts = None
    font = None
    if cell >= MIN_TEXT_CELL_PX:
        texts = [[format_number(v, digits=digits) for v in row] for row in values]
        longest = max(len(t) for row in texts for t in row)
        size = int(min(16, cell * 0.42, 0.92 * cell / (0.62 * max(longest, 1))))
        font = _font(size) if size >= 9 else None
    for r in range(rows):
        for c in range(cols):
            x0, y0, x1, y1 = layout.cell_box(panel, r, c)
            box = (x0, y0, x1 - gap, y1 - gap)
            if real[r, c]:
                draw.rectangle(box, fill=tuple(int(v) for v in colors[r, c]))
                ink = _cell_text_color(colors[r, c])
            else:
                canvas.paste(pad_tile, (x0, y0))
                ink = _rgb(PADDING_TEXT)
            if font is not None and texts is not None:
                draw.text(((x0 + x1) / 2, (y0 + y1) / 2), texts[r][c], fill=ink, font=font,
                          anchor="mm")
    if not real.all():
        rr, cc = np.nonzero(real)
        if rr.size:
            x0, y0, x1, y1 = layout.span_box(panel, (rr.min(), cc.min(), rr.max(), cc.max()))
            _dashed_rectangle(draw, (x0 - 1, y0 - 1, x1 + 1, y1 + 1), _rgb(BORDER_COLOR))
    x0, y0 = layout.cell_box(panel, 0, 0)[:2]
    draw.text((x0, y0 - 6), title, fill=_rgb(TEXT_COLOR), font=_font(_TITLE_FONT_PX, cjk),
              anchor="ls")


def _padding_tile(cell: int, gap: int) -> Image.Image:
    """One padding cell: light grey, hatched at 45°, with the white grid gap."""
    tile = Image.new("RGB", (cell, cell), (255, 255, 255))
    inner = cell - gap
    pad_rgb = _rgb(PADDING_FILL)
    hatch = Image.new("RGB", (inner, inner), pad_rgb)
    draw = ImageDraw.Draw(hatch)
    hatch_rgb = _blend((90, 98, 112), pad_rgb, 0.35)
    step = max(4, cell // 3)
    for k in range(-inner, inner + step, step):
        draw.line([(k, inner), (k + inner, 0)], fill=hatch_rgb)
    tile.paste(hatch, (0, 0))
    return tile


def _dashed_rectangle(draw: ImageDraw.ImageDraw, box, color, dash: int = 6) -> None:
    x0, y0, x1, y1 = (int(v) for v in box)
    for x in range(x0, x1 + 1, 2 * dash):
        draw.line([(x, y0), (min(x + dash, x1), y0)], fill=color, width=2)
        draw.line([(x, y1), (min(x + dash, x1), y1)], fill=color, width=2)
    for y in range(y0, y1 + 1, 2 * dash):
        draw.line([(x0, y), (x0, min(y + dash, y1))], fill=color, width=2)
        draw.line([(x1, y), (x1, min(y + dash, y1))], fill=color, width=2)


def _palette_base(canvas: Image.Image) -> Image.Image:
    """Quantise the static picture to the grid colours and append the fixed UI colours."""
    base = canvas.quantize(colors=_GRID_COLORS, method=Image.Quantize.MEDIANCUT,
                           dither=Image.Dither.NONE)
    palette = base.getpalette()[: 3 * _GRID_COLORS]
    palette += [0] * (3 * _GRID_COLORS - len(palette))
    fixed = [_rgb(OUTLINE_COLOR), _rgb(HALO_COLOR), _rgb(COVER_FILL), _rgb(TEXT_COLOR),
             (255, 255, 255), (232, 235, 240), (154, 163, 178)]
    for color in fixed:
        palette += list(color)
    palette += [255, 255, 255] * (256 - _GRID_COLORS - len(fixed))
    base.putpalette(palette)
    return base


def _frame_ms(n_steps: int) -> int:
    """Per-frame delay: slow for a few steps, quick for hundreds (GIF delays are in 10 ms)."""
    return int(np.clip(24000 / max(n_steps, 1), 60, 600)) // 10 * 10


# ------------------------------------------------------------------------------ captions


def _products_lines(window: np.ndarray, kernel: np.ndarray, total: float, i: int, j: int,
                    digits: int) -> list[str]:
    head = f"out[{i}, {j}] = "
    kh, kw = kernel.shape
    result = format_number(total, digits=digits)
    if kh * kw > MAX_WRITTEN_TERMS:
        return [head + _("Σ window × kernel ({n} products) = {result}").format(
            n=kh * kw, result=result)]
    products = [f"{format_number(v, parenthesize=True, digits=digits)}×"
                f"{format_number(w, parenthesize=True, digits=digits)}"
                for v, w in zip(window.ravel(), kernel.ravel(), strict=True)]
    per_line = len(products) if len(products) <= 4 else kw
    lines = [" + ".join(products[k:k + per_line]) for k in range(0, len(products), per_line)]
    extra = total - float(np.sum(window * kernel))
    tail = ""
    if abs(extra) > 1e-9 * max(1.0, abs(total)):
        tail = f" + {format_number(extra, parenthesize=True, digits=digits)}"
    pad = " " * len(head)
    text = [head + lines[0]] + [pad + "+ " + line for line in lines[1:]]
    text[-1] += f"{tail} = {result}"
    return text


def _caption_lines(plan: GifPlan, k: int, x_padded: np.ndarray, kernel: np.ndarray,
                   output: np.ndarray, trace: WindowTrace, digits: int) -> list[str]:
    if plan.mode == "row":
        i = plan.steps[k]
        return [row_text(i, output[i], digits=digits)]
    i, j = plan.steps[k]
    window = x_padded[trace.padded_rows[i, j], trace.padded_cols[i, j]]
    return _products_lines(window, kernel, float(output[i, j]), i, j, digits)


# ------------------------------------------------------------------------------ the GIF


def _check_gif_inputs(x_padded, kernel, output, trace) -> tuple[np.ndarray, ...]:
    if not isinstance(trace, WindowTrace):
        raise TypeError(f"trace must be a convcore WindowTrace, not {type(trace).__name__}")
    arrays = []
    for name, arr, shape, what in (
        ("x_padded", x_padded, trace.padded_hw, "the padded input size"),
        ("kernel", kernel, trace.kernel_size, "the kernel size"),
        ("output", output, trace.out_hw, "the output size"),
    ):
        a = np.asarray(arr, dtype=np.float64)
        if a.shape != tuple(shape):
            raise ValueError(f"{name} has shape {a.shape}, but the trace says "
                             f"{what} is {tuple(shape)}")
        arrays.append(a)
    return tuple(arrays)


def _real_mask(trace: WindowTrace) -> np.ndarray:
    (top, _bottom), (left, _right) = trace.pads
    h, w = trace.in_hw
    real = np.zeros(trace.padded_hw, dtype=bool)
    real[top:top + h, left:left + w] = True
    return real


def _panel_colors(values: np.ndarray, real: np.ndarray, image: bool) -> np.ndarray:
    finite = values[real & np.isfinite(values)]
    scale = color_scale_for(finite if finite.size else values, image=image)
    return colorize(np.where(real, values, np.nan), scale)


def animation_gif(x_padded, kernel, output, trace: WindowTrace, *, image: bool = False,
                  max_frames: int = MAX_GIF_FRAMES, cell_px: int | None = None,
                  frame_ms: int | None = None, digits: int = 3,
                  titles: Sequence[str] | None = None) -> bytes:
    """The sliding window as an animated GIF: one frame per step (see :func:`gif_plan`).

    Parameters
    ----------
    x_padded : array_like, shape ``trace.padded_hw``
        The input with its padding (what the window slides over).
    kernel : array_like, shape ``trace.kernel_size``
        The weights that are cross-correlated (flip them first for a true convolution).
    output : array_like, shape ``trace.out_hw``
        The result (from ``convcore.conv2d``; a bias shows up as an extra term).
    trace : convcore.trace.WindowTrace
        The convolution's sliding-window trace (``convcore.window_trace``).
    image : bool
        The input is a picture's intensities: drawn black to white when in [0, 1].
    max_frames : int
        At most this many frames (one per output cell up to it, else per output row).
    cell_px : int, optional
        Side of a cell in pixels; by default the grids fit in about 960 pixels.
    frame_ms : int, optional
        Delay between frames; by default from 600 ms (few steps) down to 60 ms. The last
        frame is held three times as long before the GIF loops.
    digits : int
        Significant digits of the printed numbers.
    titles : sequence of 3 str, optional
        Titles of the input, kernel and output grids.

    Returns
    -------
    bytes
        A looping GIF whose frame count equals ``gif_plan(trace.out_hw, max_frames=...)``'s.

    Raises
    ------
    ValueError, TypeError
        When the arrays do not match the trace, or the grids are too wide to draw.
    """
    xp, k, out = _check_gif_inputs(x_padded, kernel, output, trace)
    plan = gif_plan(out.shape, max_frames=max_frames)
    real = _real_mask(trace)
    lang = gif_language()
    cjk = lang in CJK_LANGUAGES
    with i18n.use_language(lang):
        captions = [_caption_lines(plan, n, xp, k, out, trace, digits)
                    for n in range(plan.n_frames)]
        if titles is None:
            titles = default_titles(xp.shape, k.shape, out.shape, padded=not real.all())
    if len(titles) != 3:
        raise ValueError(f"titles needs 3 strings (input, kernel, output), got {len(titles)}")
    if not cjk and any(_has_cjk(t) for t in titles):
        cjk = cjk_font_path() is not None  # titles given in Chinese: draw them if we can
    n_lines = max(len(c) for c in captions)
    layout = _layout([xp.shape, k.shape, out.shape], titles, n_lines, cell_px, cjk)
    font, captions = _fit_caption(captions, layout.width, cjk)

    canvas = Image.new("RGB", (layout.width, layout.height), (255, 255, 255))
    all_real = [real, np.ones(k.shape, dtype=bool), np.ones(out.shape, dtype=bool)]
    for panel, (values, mask, title) in enumerate(zip((xp, k, out), all_real, titles,
                                                      strict=True)):
        colors = _panel_colors(values, mask, image and panel != 1)
        _draw_panel(canvas, layout, panel, values, colors, mask, title, digits, cjk)
    base = _palette_base(canvas)

    delay = frame_ms if frame_ms is not None else _frame_ms(plan.n_frames)
    frames = []
    for n in range(plan.n_frames):
        frame = base.copy()
        draw = ImageDraw.Draw(frame)
        if plan.mode == "cell":
            i, j = plan.steps[n]
            window_box = trace.window_box(i, j)
            out_box = (i, j, i, j)
        else:
            i = plan.steps[n]
            top, left, bottom = trace.window_box(i, 0)[:3]
            right = trace.window_box(i, out.shape[1] - 1)[3]
            window_box = (top, left, bottom, right)
            out_box = (i, 0, i, out.shape[1] - 1)
        _draw_covers(draw, layout, out_box, out.shape)
        _draw_frame(draw, layout.span_box(0, window_box), layout.cell)
        _draw_frame(draw, layout.span_box(2, out_box), layout.cell)
        if plan.mode == "cell" and max(trace.dilation) > 1:
            _draw_taps(draw, layout, trace, i, j)
        _draw_caption(draw, layout, captions[n], font)
        _draw_progress(draw, layout, n, plan.n_frames)
        frames.append(frame)

    durations = [delay] * len(frames)
    durations[-1] = delay * 3
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=durations,
                   loop=0, optimize=False)
    return buffer.getvalue()


def default_titles(x_hw, k_hw, out_hw, *, padded: bool) -> tuple[str, str, str]:
    """The GIF's panel titles in the current language: ``("input (padded) 4×5", "kernel
    2×2", "output 3×4")``."""
    size = "{}×{}".format
    first = (_("input (padded) {size}") if padded else _("input {size}")).format(
        size=size(*x_hw))
    return (first, _("kernel {size}").format(size=size(*k_hw)),
            _("output {size}").format(size=size(*out_hw)))


def _has_cjk(text: str) -> bool:
    return any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)


def _draw_covers(draw: ImageDraw.ImageDraw, layout: _Layout, out_box, out_hw) -> None:
    """Grey over the output cells after ``out_box`` in row-major order (not computed yet)."""
    out_h, out_w = out_hw
    top, _left, bottom, right = out_box
    if right < out_w - 1:
        draw.rectangle(layout.span_box(2, (top, right + 1, bottom, out_w - 1)), fill=_COVER)
    if bottom < out_h - 1:
        draw.rectangle(layout.span_box(2, (bottom + 1, 0, out_h - 1, out_w - 1)), fill=_COVER)


def _draw_frame(draw: ImageDraw.ImageDraw, box, cell: int) -> None:
    """A black frame with a white halo around a pixel box."""
    x0, y0, x1, y1 = box
    width = 3 if cell >= 12 else 2
    draw.rectangle((x0 - width - 1, y0 - width - 1, x1 + width + 1, y1 + width + 1),
                   outline=_HALO, width=width + 2)
    draw.rectangle((x0 - width, y0 - width, x1 + width, y1 + width), outline=_OUTLINE,
                   width=width)


def _draw_taps(draw: ImageDraw.ImageDraw, layout: _Layout, trace: WindowTrace, i: int,
               j: int) -> None:
    """Dots on the taps of a dilated window (it has gaps)."""
    radius = max(2, layout.cell // 6)
    for r, c in zip(trace.padded_rows[i, j].ravel(), trace.padded_cols[i, j].ravel(),
                    strict=True):
        x0, y0, x1, y1 = layout.cell_box(0, int(r), int(c))
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        draw.ellipse((cx - radius - 1, cy - radius - 1, cx + radius + 1, cy + radius + 1),
                     fill=_HALO)
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=_OUTLINE)


def _draw_caption(draw: ImageDraw.ImageDraw, layout: _Layout, lines: list[str], font) -> None:
    for n, line in enumerate(lines):
        draw.text((_MARGIN, layout.caption_top + n * _LINE_PX), line, fill=_TEXT, font=font)


def _draw_progress(draw: ImageDraw.ImageDraw, layout: _Layout, n: int, total: int) -> None:
    """A thin bar under the caption: how far the animation has got."""
    y0 = layout.progress_top
    y1 = y0 + 4
    x0, x1 = _MARGIN, layout.width - _MARGIN
    draw.rectangle((x0, y0, x1, y1), fill=_TRACK)
    done = x0 + round((x1 - x0) * (n + 1) / total)
    draw.rectangle((x0, y0, done, y1), fill=_FILL)
