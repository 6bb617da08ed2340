"""Copy a few real photographs from scikit-image's sample data into ``assets/``, downsized.

    pip install --no-deps --target /tmp/skimage scikit-image==0.26.0   # only its data files
    PYTHONPATH=/tmp/skimage python assets/make_photos.py            # writes the JPEGs here
    PYTHONPATH=/tmp/skimage python assets/make_photos.py --out DIR  # or somewhere else

The app never needs scikit-image: this script is run once by hand and its output is
committed. It reads the PNG files that the scikit-image wheel ships in ``skimage/data/``
(located with :func:`importlib.util.find_spec`, so scikit-image is not even imported and its
dependencies are not needed), shrinks each so that its longer side is at most
:data:`LONG_SIDE` pixels (Lanczos), and saves it as a JPEG of quality :data:`QUALITY`.

Each picture's licence is the one scikit-image states in the docstring of the function that
loads it (``skimage/data/_fetchers.py`` of scikit-image 0.26.0); ``PHOTOS`` repeats it, and
``assets/README.md`` lists it per file.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import NamedTuple

from PIL import Image

LONG_SIDE = 512
QUALITY = 88


class Photo(NamedTuple):
    """One photograph: the file scikit-image ships, and what it is."""

    source: str
    description: str
    licence: str


#: Output file → its source in ``skimage/data/``, description, and licence (as scikit-image
#: states it). In the order the app offers them; the cat is the default of "Your image".
PHOTOS: dict[str, Photo] = {
    "cat.jpg": Photo("chelsea.png", "Chelsea the cat: fur texture, whiskers, strong edges.",
                     "CC0 by the photographer (Stefan van der Walt)"),
    "astronaut.jpg": Photo("astronaut.png", "Astronaut Eileen Collins: a face, a flag, a helmet.",
                           "public domain (NASA)"),
    "camera.jpg": Photo("camera.png", "The cameraman: a scene with strong straight edges.",
                        "CC0 by the photographer (Lav Varshney)"),
    "brick.jpg": Photo("brick.png", "A brick wall: a regular texture of horizontal and "
                       "vertical joints.", "CC0 (from CC0Textures, Bricks25)"),
}


def skimage_data_dir() -> Path:
    """``skimage/data`` of the installed scikit-image, found without importing it."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("scikit-image is not installed: see this script's docstring")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def shrink(image: Image.Image, long_side: int = LONG_SIDE) -> Image.Image:
    """The image with its longer side at most ``long_side`` pixels (aspect kept)."""
    scale = long_side / max(image.size)
    if scale >= 1:
        return image.copy()
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    source_dir = skimage_data_dir()
    for name, photo in PHOTOS.items():
        with Image.open(source_dir / photo.source) as image:
            picture = shrink(image.convert("L" if image.mode in ("L", "I;16") else "RGB"))
        target = args.out / name
        picture.save(target, "JPEG", quality=QUALITY, optimize=True)
        print(f"{target.name}: {picture.width}×{picture.height} {picture.mode}, "
              f"{target.stat().st_size // 1024} kB, {photo.licence}")


if __name__ == "__main__":
    main()
