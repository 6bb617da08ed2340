"""The session's current image and its patch (ui.image_source), on a plain dict session."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from convcore import ImageLoadError, load_image
from ui import image_source as src
from ui import state


def png(array_hw_or_hwc: np.ndarray, mode: str | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array_hw_or_hwc, mode).save(buffer, "PNG")
    return buffer.getvalue()


RNG = np.random.default_rng(7)
COLOR = RNG.integers(0, 256, (60, 80, 3), dtype=np.uint8)
GRAY = RNG.integers(0, 256, (50, 40), dtype=np.uint8)


@pytest.fixture
def session() -> dict:
    return {}


def test_no_image_until_one_is_chosen(session):
    assert src.current_image(session) is None
    assert src.current_patch(session=session) is None
    assert src.current_patch_spec(session) is None
    assert src.describe_patch(session) == ""


def test_upload_becomes_the_current_image_at_full_resolution(session):
    data = png(COLOR)
    image = src.set_current_image_from_bytes("photo.png", data, session=session)
    assert src.current_image(session) is image
    assert image.shape == (60, 80) and image.rgb.shape == (3, 60, 80)
    np.testing.assert_array_equal(image.gray, load_image(data, mode="gray"))
    np.testing.assert_array_equal(image.rgb, load_image(data, mode="rgb"))
    assert image.is_color and image.source == "upload" and image.key.startswith("upload:")
    assert not image.gray.flags.writeable and not image.rgb.flags.writeable
    assert image.describe() == "photo.png · upload · 60×80 pixels · PNG RGB"
    # ui.controls.image_source offers the same upload under "Upload your own…".
    assert session[state.UPLOADED_IMAGE]["data"] == data


def test_grayscale_file_shares_its_gray_as_rgb(session):
    image = src.set_current_image_from_bytes("scan.png", png(GRAY), session=session)
    assert not image.is_color
    assert image.rgb.shape == (3, 50, 40)
    for channel in image.rgb:
        np.testing.assert_array_equal(channel, image.gray)


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (b"plain text, not a picture", "not_an_image"),
     (png(COLOR)[:200], "truncated")],
    ids=["empty", "text", "truncated"])
def test_bad_file_raises_and_keeps_the_previous_image(session, data, reason):
    before = src.set_current_sample("house.png", session=session)
    src.set_patch(10, 20, 8, session=session)
    with pytest.raises(ImageLoadError) as info:
        src.set_current_image_from_bytes("bad.png", data, session=session)
    assert info.value.reason == reason
    assert src.current_image(session) is before
    assert src.current_patch_spec(session) == src.PatchSpec(10, 20, 8, 1)


def test_too_many_pixels_is_refused(session):
    with pytest.raises(ImageLoadError, match="too large") as info:
        src.set_current_image_from_bytes("big.png", png(COLOR), max_pixels=100,
                                         session=session)
    assert info.value.reason == "too_large"
    assert src.current_image(session) is None


def test_samples_are_listed_and_loaded(session):
    names = src.sample_names()
    # Issue 9 item 15: real photographs first (the cat is the default), then the drawings.
    assert names[:8] == ["cat.jpg", "astronaut.jpg", "camera.jpg", "brick.jpg",
                         "landscape.png", "house.png", "checkerboard.png", "digit.png"]
    assert src.DEFAULT_SAMPLE == "cat.jpg"
    assert all(src.sample_descriptions()[n] for n in names[:8])
    image = src.set_current_sample("digit.png", session=session)
    assert image.shape == (28, 28) and image.key == "sample:digit.png" and not image.is_color
    with pytest.raises(ValueError, match=r"no sample image called 'cat\.png'"):
        src.set_current_sample("cat.png", session=session)


def test_array_images(session):
    rgb = RNG.random((3, 12, 10))
    image = src.set_current_image("drawing", rgb, session=session)
    np.testing.assert_allclose(image.gray, 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2])
    assert image.is_color and image.info is None
    gray = src.set_current_image("gray drawing", RNG.random((5, 6)), session=session)
    assert not gray.is_color


@pytest.mark.parametrize(
    ("array", "error", "message"),
    [(np.zeros((2, 3, 4)), ValueError, r"\(H, W\) gray or \(3, H, W\) RGB"),
     (np.full((3, 3), 2.0), ValueError, "between 0 and 1"),
     (np.array([[np.nan]]), ValueError, "finite"),
     (np.zeros((0, 4)), ValueError, "empty"),
     (np.array([["a"]]), TypeError, "real numbers")],
    ids=["4 channels", "out of range", "nan", "empty", "strings"])
def test_bad_arrays_are_refused(session, array, error, message):
    with pytest.raises(error, match=message):
        src.set_current_image("x", array, session=session)
    assert src.current_image(session) is None


# ------------------------------------------------------------------------------ patches


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((480, 640), src.PatchSpec(224, 304, 16, 2)),
     ((3000, 4000), src.PatchSpec(1372, 1872, 16, 16)),
     ((28, 28), src.PatchSpec(6, 6, 16, 1)),
     ((5, 300), src.PatchSpec(0, 147, 5, 1))],
    ids=["landscape", "12 MP photo", "MNIST digit", "thin strip"])
def test_default_patch_is_centred_and_visible(shape, expected):
    spec = src.default_patch(shape)
    assert spec == expected
    assert spec.span * 10 <= min(shape) or spec.scale == 1


def test_patch_cells_are_pixel_means(session):
    image = src.set_current_image_from_bytes("photo.png", png(COLOR), session=session)
    src.set_patch(4, 6, 5, scale=3, session=session)
    patch = src.current_patch(session=session)
    block = image.gray[4:19, 6:21].reshape(5, 3, 5, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(patch, block)
    rgb = src.current_patch(mode="rgb", session=session)
    assert rgb.shape == (3, 5, 5)
    np.testing.assert_allclose(rgb[1], image.rgb[1, 4:19, 6:21].reshape(5, 3, 5, 3).mean((1, 3)))
    assert src.describe_patch(session) == (
        "5×5 cells from rows 4–18, columns 6–20 of photo.png (each cell is the mean of 3×3 "
        "pixels)")


def test_patch_larger_than_max_cells_gives_its_centre(session):
    image = src.set_current_image_from_bytes("photo.png", png(COLOR), session=session)
    src.set_patch(0, 0, 20, session=session)
    centre = src.current_patch(max_cells=8, session=session)
    np.testing.assert_array_equal(centre, image.gray[6:14, 6:14])
    assert centre.flags.writeable  # a copy the caller may change


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [((50, 0, 16, 1), ValueError, "does not fit in the 60×80 image"),
     ((0, 0, 16, 4), ValueError, r"16×16-cell patch \(64×64 pixels\)"),
     ((0, 0, 33, 1), ValueError, "at most 32×32 cells"),
     ((-1, 0, 4, 1), ValueError, "top must be at least 0"),
     ((0, 0, 0, 1), ValueError, "size must be at least 1"),
     ((0.5, 0, 4, 1), TypeError, "top must be a whole number")],
    ids=["off the bottom", "scaled too far", "too many cells", "negative", "empty", "float"])
def test_patch_that_does_not_fit_is_refused_and_nothing_changes(session, args, error, message):
    src.set_current_image_from_bytes("photo.png", png(COLOR), session=session)
    before = src.set_patch(1, 2, 4, session=session)
    top, left, size, scale = args
    with pytest.raises(error, match=message):
        src.set_patch(top, left, size, scale=scale, session=session)
    assert src.current_patch_spec(session) == before


def test_patch_needs_an_image(session):
    with pytest.raises(ValueError, match="no current image"):
        src.set_patch(0, 0, 4, session=session)


def test_a_new_image_resets_the_patch(session):
    src.set_current_image_from_bytes("photo.png", png(COLOR), session=session)
    src.set_patch(1, 1, 4, session=session)
    src.set_current_image_from_bytes("photo.png", png(COLOR), session=session)  # same file
    assert src.current_patch_spec(session) == src.PatchSpec(1, 1, 4, 1)
    digit = src.set_current_sample("digit.png", session=session)
    assert src.current_patch_spec(session) == src.busiest_patch(digit.gray)


def test_patch_request_is_taken_once_by_its_page(session):
    src.set_current_sample("digit.png", session=session)
    src.request_patch_on("app_pages/pooling.py", session=session)
    assert not src.take_patch_request("app_pages/channels.py", session=session)
    assert src.take_patch_request("app_pages/pooling.py", session=session)
    assert not src.take_patch_request("app_pages/pooling.py", session=session)


def test_clear_forgets_everything(session):
    src.set_current_sample("digit.png", session=session)
    src.set_patch(0, 0, 4, session=session)
    src.request_patch_on("app_pages/pooling.py", session=session)
    src.clear_current_image(session)
    assert src.current_image(session) is None
    assert not src.take_patch_request("app_pages/pooling.py", session=session)


def test_colour_is_decoded_only_when_asked_for_and_once(session, monkeypatch):
    calls = []
    real = src.load_image

    def counting(data, *, mode, max_pixels):
        calls.append(mode)
        return real(data, mode=mode, max_pixels=max_pixels)

    monkeypatch.setattr(src, "load_image", counting)
    data = png(RNG.integers(0, 256, (9, 11, 3), dtype=np.uint8))  # bytes no test used before
    image = src.set_current_image_from_bytes("fresh.png", data, session=session)
    assert calls == ["gray"]
    first = image.rgb
    assert image.rgb is first and calls == ["gray", "rgb"]
    np.testing.assert_array_equal(first, real(data, mode="rgb"))


def test_the_first_patch_is_the_busiest_square():
    """A flat picture with one bright square: the default patch covers its edges."""
    flat = np.zeros((200, 300))
    flat[140:170, 40:80] = 1.0
    spec = src.busiest_patch(flat, size=8)
    assert spec.size == 8 and spec.scale == 2
    top, left, bottom, right = spec.box
    assert top <= 170 and bottom >= 140 and left <= 80 and right >= 40  # touches the square
    assert src.busiest_patch(np.zeros((200, 300)), size=8) == src.PatchSpec(92, 142, 8, 2)


def test_the_default_patch_is_remembered(session):
    image = src.set_current_sample("landscape.png", session=session)
    spec = src.current_patch_spec(session)
    assert spec == src.busiest_patch(image.gray)
    assert session[src.PATCH_KEY] == (image.key, spec)
