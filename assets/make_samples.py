"""Generate the bundled sample images, deterministically and without the network.

    python assets/make_samples.py            # writes the PNGs next to this script
    python assets/make_samples.py --out DIR  # somewhere else

Every picture is drawn from code (shapes, gradients and seeded noise, no text), so the
samples are reproducible and free of third-party rights: they are released under CC0.
Shapes with slanted or curved outlines are drawn at 4× and box-reduced, which antialiases
them; axis-aligned edges stay pixel-sharp so edge kernels give crisp, explainable maps.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SUPERSAMPLE = 4


def _vertical_gradient(height: int, width: int, top, bottom) -> np.ndarray:
    """(H, W, 3) float RGB going from colour ``top`` to colour ``bottom``."""
    t = np.linspace(0.0, 1.0, height)[:, None, None]
    top, bottom = np.asarray(top, float), np.asarray(bottom, float)
    return np.broadcast_to(top + (bottom - top) * t, (height, width, 3)).copy()


def _smooth_noise(height: int, width: int, cells: int, rng: np.random.Generator) -> np.ndarray:
    """Low-frequency noise in [-1, 1]: a coarse random grid, bicubically enlarged."""
    coarse = rng.uniform(0, 255, (cells, cells * width // height + 1)).astype(np.uint8)
    big = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
    return np.asarray(big, dtype=float) / 127.5 - 1.0


def _to_image(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(np.rint(rgb), 0, 255).astype(np.uint8), "RGB")


def landscape() -> Image.Image:
    """640×480 photo-like scene: sky, sun, mountains, hills, a lake and trees."""
    width, height = 640, 480
    rng = np.random.default_rng(2024)
    s = SUPERSAMPLE
    big_w, big_h = width * s, height * s

    sky = _vertical_gradient(big_h, big_w, (70, 130, 200), (215, 230, 240))
    canvas = _to_image(sky)
    draw = ImageDraw.Draw(canvas)

    # Sun with a soft halo.
    sun_x, sun_y = 470 * s, 95 * s
    for radius, colour in ((70, (235, 235, 220)), (52, (250, 240, 200)), (38, (255, 245, 170))):
        r = radius * s
        draw.ellipse((sun_x - r, sun_y - r, sun_x + r, sun_y + r), fill=colour)

    # Two mountain ranges: ridges from a few sines, the far one paler.
    xs = np.arange(big_w) / s
    for base, amplitudes, colour in (
        (250, ((40, 0.011, 0.3), (22, 0.031, 1.7), (9, 0.073, 0.5)), (120, 140, 170)),
        (300, ((35, 0.008, 2.1), (18, 0.027, 0.9), (7, 0.091, 2.6)), (80, 100, 120)),
    ):
        ridge = base - sum(a * np.sin(f * xs + p) for a, f, p in amplitudes) - 40
        points = [(0, big_h)] + [(x * s, y * s) for x, y in zip(xs[::s], ridge[::s], strict=True)]
        draw.polygon([*points, (big_w, big_h)], fill=colour)

    # Lake, then rolling green hills in front of it.
    draw.rectangle((0, 330 * s, big_w, big_h), fill=(90, 130, 170))
    hill = 360 + 25 * np.sin(0.012 * xs + 0.8) + 12 * np.sin(0.037 * xs)
    points = [(x * s, y * s) for x, y in zip(xs[::s], hill[::s], strict=True)]
    draw.polygon([(0, big_h), *points, (big_w, big_h)], fill=(70, 130, 60))

    # Trees: trunks and round canopies, sizes shrinking with distance.
    for x, y, size in ((90, 380, 1.0), (140, 372, 0.8), (540, 392, 1.2), (600, 385, 0.9)):
        trunk_w, trunk_h, canopy = 6 * size, 40 * size, 28 * size
        draw.rectangle(
            ((x - trunk_w) * s, (y - trunk_h) * s, (x + trunk_w) * s, (y + 4) * s),
            fill=(90, 60, 35),
        )
        cy = y - trunk_h - canopy * 0.6
        draw.ellipse(
            ((x - canopy) * s, (cy - canopy) * s, (x + canopy) * s, (cy + canopy) * s),
            fill=(40, 95, 45),
        )

    small = canvas.reduce(s)
    # Gentle lighting and texture so blurs and edges have something photo-like to act on.
    rgb = np.asarray(small, dtype=float)
    rows = np.arange(height)[:, None]
    texture = _smooth_noise(height, width, 24, rng) * np.where(rows > 330, 14.0, 4.0)
    rgb += texture[..., None]
    shade = _smooth_noise(height, width, 4, rng)[..., None] * 10.0
    return _to_image(rgb + shade)


def checkerboard() -> Image.Image:
    """256×256 gray: 8×8 squares of 32 px, black in the top-left corner."""
    squares = (np.indices((8, 8)).sum(axis=0) % 2).astype(np.uint8) * 255
    return Image.fromarray(np.kron(squares, np.ones((32, 32), dtype=np.uint8)), "L")


def digit() -> Image.Image:
    """28×28 gray handwritten-like "2", white on black and centred like an MNIST digit."""
    size = 280  # draw at 10×, then box-reduce to 28×28
    canvas = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    stroke = [
        (82, 92), (95, 68), (122, 52), (156, 50), (184, 63), (196, 88), (190, 116),
        (170, 144), (140, 172), (112, 198), (88, 222), (80, 232), (110, 230), (150, 229),
        (190, 231), (206, 233),
    ]  # fmt: skip
    draw.line(stroke, fill=255, width=24, joint="curve")
    for x, y in (stroke[0], stroke[-1]):  # round pen tips
        draw.ellipse((x - 12, y - 12, x + 12, y + 12), fill=255)
    canvas = canvas.filter(ImageFilter.GaussianBlur(4))
    return canvas.reduce(10)


def house() -> Image.Image:
    """512×384 flat-colour façade: strong vertical and horizontal edges, few diagonals."""
    width, height = 512, 384
    canvas = Image.new("RGB", (width, height), (160, 200, 230))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 300, width, height), fill=(110, 150, 80))  # lawn
    draw.rectangle((96, 120, 416, 310), fill=(205, 170, 120))  # walls
    draw.rectangle((330, 50, 362, 100), fill=(120, 60, 50))  # chimney, behind the roof
    draw.polygon([(80, 122), (256, 40), (432, 122)], fill=(140, 60, 50))  # roof
    draw.rectangle((232, 210, 280, 310), fill=(90, 55, 35))  # door
    draw.rectangle((268, 256, 274, 262), fill=(230, 200, 90))  # door knob
    for left in (124, 318):  # two windows of four panes each, with frames and sills
        for top in (150, 220):
            if left == 124 or top == 150:
                draw.rectangle((left, top, left + 70, top + 50), fill=(245, 245, 240))
                draw.rectangle((left + 5, top + 5, left + 65, top + 45), fill=(70, 110, 150))
                draw.rectangle((left + 33, top + 5, left + 37, top + 45), fill=(245, 245, 240))
                draw.rectangle((left + 5, top + 23, left + 65, top + 27), fill=(245, 245, 240))
                draw.rectangle((left - 4, top + 50, left + 74, top + 56), fill=(180, 180, 175))
    for x in range(8, width, 40):  # fence: posts and two rails
        if not 90 <= x <= 420:
            draw.rectangle((x, 270, x + 10, 330), fill=(240, 240, 235))
    for y in (285, 312):
        draw.rectangle((0, y, 96, y + 6), fill=(240, 240, 235))
        draw.rectangle((416, y, width, y + 6), fill=(240, 240, 235))
    return canvas


#: File name -> (builder, one-line description), in the order the app should offer them.
SAMPLES: dict[str, tuple[Callable[[], Image.Image], str]] = {
    "landscape.png": (landscape, "Photo-like landscape: sky, sun, mountains, lake and trees."),
    "house.png": (house, "Flat-colour house with strong vertical and horizontal edges."),
    "checkerboard.png": (checkerboard, "8×8 checkerboard of 32-pixel squares."),
    "digit.png": (digit, "A 28×28 handwritten-style digit 2, white on black, like MNIST."),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (build, _description) in SAMPLES.items():
        path = args.out / name
        build().save(path, "PNG", optimize=True)
        print(f"{path}  {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
