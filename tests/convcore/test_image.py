"""Image loading: real-world oddities are decoded right, bad files get one clear sentence.

Every file is built here with Pillow (or byte by byte for the hostile ones), so each case
says exactly what it contains and what the loader must return.
"""

import io
import struct
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from convcore.image import (
    DEFAULT_MAX_PIXELS,
    NOT_AN_IMAGE,
    TRUNCATED,
    ImageInfo,
    ImageLoadError,
    crop_patch,
    downsample,
    fit_within,
    image_info,
    load_image,
    to_uint8,
)

LUMA = np.array([0.299, 0.587, 0.114])


def encode(img: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **params)
    return buffer.getvalue()


def luma(rgb_hwc) -> np.ndarray:
    return np.asarray(rgb_hwc, dtype=np.float64) @ LUMA / 255


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height but whose data is 100 zero bytes.

    If the loader decoded it, it would fail as truncated; refusing it as too large proves the
    size was judged from the header alone.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + chunk(b"IEND", b"")
    )


# ------------------------------------------------------------------------------------------
# Real-world oddities, decoded to the expected grayscale values
# ------------------------------------------------------------------------------------------

GRAY_8 = np.array([[0, 64, 128], [192, 255, 7]], dtype=np.uint8)
RGB_8 = np.array(
    [[[255, 0, 0], [0, 255, 0], [0, 0, 255]], [[10, 20, 30], [255, 255, 255], [0, 0, 0]]],
    dtype=np.uint8,
)


def _rgba_png():
    pixels = np.array(
        [[[255, 0, 0, 255], [0, 0, 0, 0]], [[0, 0, 0, 128], [0, 0, 255, 255]]], dtype=np.uint8
    )
    expected = [[0.299, 1.0], [1 - 128 / 255, 0.114]]
    return encode(Image.fromarray(pixels, "RGBA"), "PNG"), expected


def _la_png():
    pixels = np.array([[[0, 0], [0, 255]], [[100, 255], [0, 51]]], dtype=np.uint8)
    expected = [[1.0, 0.0], [100 / 255, 1 - 51 / 255]]
    return encode(Image.fromarray(pixels, "LA"), "PNG"), expected


def _palette(fmt):
    img = Image.new("P", (2, 2))
    img.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * (253 * 3))
    img.putdata([0, 1, 2, 1])
    return encode(img, fmt, transparency=0), [[1.0, 0.299], [0.114, 0.299]]


def _mode_1():
    img = Image.fromarray(np.array([[True, False, True], [False, True, False]]))
    assert img.mode == "1"
    return encode(img, "PNG"), [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]


def _png_16bit():
    values = np.array([[65535, 256], [0, 1000]], dtype=np.uint16)
    img = Image.fromarray(values)
    assert img.mode == "I;16"
    return encode(img, "PNG"), values / 65535


def _tiff_16bit():
    values = np.array([[65535, 1], [300, 40000]], dtype=np.uint16)
    return encode(Image.fromarray(values), "TIFF"), values / 65535


def _tiff_int32(values):
    img = Image.fromarray(np.array(values, dtype=np.int32))
    assert img.mode == "I"
    return encode(img, "TIFF")


def _tiff_float(values):
    img = Image.fromarray(np.array(values, dtype=np.float32))
    assert img.mode == "F"
    return encode(img, "TIFF")


def _animated_gif():
    first = Image.fromarray(np.array([[40, 40], [200, 40]], dtype=np.uint8))
    second = Image.fromarray(np.full((2, 2), 255, dtype=np.uint8))
    data = encode(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    return data, [[40 / 255, 40 / 255], [200 / 255, 40 / 255]]


def _multipage_tiff():
    first = Image.fromarray(np.full((3, 2), 50, dtype=np.uint8))
    second = Image.fromarray(np.full((3, 2), 200, dtype=np.uint8))
    return encode(first, "TIFF", save_all=True, append_images=[second]), np.full((3, 2), 50 / 255)


def _mpo_phone_jpeg():
    """Phones often write MPO: a JPEG main picture followed by more JPEG pictures."""
    first = Image.fromarray(np.full((8, 12), 60, dtype=np.uint8))
    second = Image.fromarray(np.full((8, 12), 220, dtype=np.uint8))
    data = encode(first, "MPO", save_all=True, append_images=[second], quality=95)
    assert Image.open(io.BytesIO(data)).format == "MPO"
    return data, np.full((8, 12), 60 / 255)


def _cmyk_jpeg():
    img = Image.new("CMYK", (16, 8), (0, 255, 255, 0))  # pure red in CMYK
    return encode(img, "JPEG", quality=95), np.full((8, 16), 0.299)


ODDITIES = [
    pytest.param(lambda: (encode(Image.fromarray(GRAY_8), "PNG"), GRAY_8 / 255), 0.0,
                 id="png-gray-8bit"),
    pytest.param(lambda: (encode(Image.fromarray(RGB_8), "PNG"), luma(RGB_8)), 1e-12,
                 id="png-rgb-luma-in-float"),
    pytest.param(_png_16bit, 0.0, id="png-16bit-scaled-not-clipped"),
    pytest.param(_tiff_16bit, 0.0, id="tiff-16bit"),
    pytest.param(lambda: (_tiff_int32([[0, 65535, 300]]), [[0, 1, 300 / 65535]]), 0.0,
                 id="tiff-int32-16bit-range"),
    pytest.param(lambda: (_tiff_int32([[-10, 0, 90]]), [[0, 0.1, 1]]), 1e-12,
                 id="tiff-int32-min-max"),
    pytest.param(lambda: (_tiff_float([[0, 0.25, 1]]), [[0, 0.25, 1]]), 0.0,
                 id="tiff-float-in-range-kept"),
    pytest.param(lambda: (_tiff_float([[-1, 0, 3]]), [[0, 0.25, 1]]), 0.0,
                 id="tiff-float-out-of-range-min-max"),
    pytest.param(lambda: (_tiff_float([[np.nan, 0.5, np.inf]]), [[0, 0.5, 1]]), 0.0,
                 id="tiff-float-nan-inf"),
    pytest.param(_rgba_png, 1e-12, id="png-rgba-transparent-is-white"),
    pytest.param(_la_png, 1e-12, id="png-gray-alpha"),
    pytest.param(lambda: _palette("PNG"), 1e-12, id="png-palette-transparency"),
    pytest.param(lambda: _palette("GIF"), 1e-12, id="gif-palette-transparency"),
    pytest.param(_mode_1, 0.0, id="png-1bit"),
    pytest.param(_animated_gif, 1e-12, id="gif-animated-first-frame"),
    pytest.param(_multipage_tiff, 0.0, id="tiff-multipage-first-page"),
    pytest.param(_cmyk_jpeg, 0.02, id="jpeg-cmyk"),
    pytest.param(_mpo_phone_jpeg, 1.5 / 255, id="jpeg-mpo-first-picture"),
    pytest.param(lambda: (encode(Image.fromarray(RGB_8), "BMP"), luma(RGB_8)), 1e-12,
                 id="bmp"),
    pytest.param(lambda: (encode(Image.fromarray(RGB_8), "WEBP", lossless=True), luma(RGB_8)),
                 1e-12, id="webp-lossless"),
    pytest.param(lambda: (encode(Image.fromarray(RGB_8), "TIFF"), luma(RGB_8)), 1e-12,
                 id="tiff-rgb"),
]


@pytest.mark.parametrize(("build", "atol"), ODDITIES)
def test_oddity_decodes_to_expected_gray(build, atol):
    data, expected = build()
    gray = load_image(data)
    assert gray.dtype == np.float64
    assert gray.flags.c_contiguous
    np.testing.assert_allclose(gray, np.asarray(expected, dtype=np.float64), rtol=0, atol=atol)
    assert gray.min() >= 0.0 and gray.max() <= 1.0


@pytest.mark.parametrize(("build", "atol"), ODDITIES)
def test_rgb_mode_is_channels_first_and_consistent_with_gray(build, atol):
    data, _ = build()
    rgb = load_image(data, mode="rgb")
    gray = load_image(data, mode="gray")
    assert rgb.shape == (3, *gray.shape)
    assert rgb.dtype == np.float64 and rgb.flags.c_contiguous
    assert rgb.min() >= 0.0 and rgb.max() <= 1.0
    # luma of the RGB result is the gray result (equal channels for gray sources)
    np.testing.assert_allclose(np.tensordot(LUMA, rgb, axes=1), gray, rtol=0, atol=1e-12)


def test_png_16bit_keeps_precision_that_8bit_would_lose():
    values = np.array([[256, 257, 258]], dtype=np.uint16)  # all 1/255 in 8 bits
    gray = load_image(encode(Image.fromarray(values), "PNG"))
    assert len(np.unique(gray)) == 3
    np.testing.assert_array_equal(gray, values / 65535)


def test_rgba_rgb_mode_composites_each_channel_onto_white():
    data, _ = _rgba_png()
    rgb = load_image(data, mode="rgb")
    np.testing.assert_allclose(rgb[:, 0, 0], [1, 0, 0])  # opaque red
    np.testing.assert_allclose(rgb[:, 0, 1], [1, 1, 1])  # fully transparent
    np.testing.assert_allclose(rgb[:, 1, 0], [1 - 128 / 255] * 3)  # half-transparent black


def test_cmyk_jpeg_red_is_red_in_rgb():
    data, _ = _cmyk_jpeg()
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    rgb = load_image(data, mode="rgb")
    np.testing.assert_allclose(rgb.mean(axis=(1, 2)), [1, 0, 0], atol=0.02)


def _exif_rotated_jpeg(orientation: int) -> bytes:
    """A 40 wide × 20 high picture stored as-is, with a bright top-left 20×10 block."""
    pixels = np.zeros((20, 40), dtype=np.uint8)
    pixels[:10, :20] = 255
    img = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(img, "JPEG", quality=95, exif=exif.tobytes())


def test_exif_orientation_6_is_rotated_90_clockwise():
    gray = load_image(_exif_rotated_jpeg(6))
    assert gray.shape == (40, 20)  # width and height swapped
    # Rotating 90° clockwise moves the stored top-left corner to the top-right.
    assert gray[:18, 12:].mean() > 0.9
    assert gray[:18, :8].mean() < 0.1
    assert gray[22:, :].mean() < 0.1


def test_exif_orientation_1_is_left_alone():
    gray = load_image(_exif_rotated_jpeg(1))
    assert gray.shape == (20, 40)
    assert gray[:8, :18].mean() > 0.9


def test_damaged_exif_does_not_refuse_a_good_picture():
    pixels = np.full((4, 6), 100, dtype=np.uint8)
    data = encode(Image.fromarray(pixels), "JPEG", quality=95, exif=b"Exif\x00\x00garbage")
    assert load_image(data).shape == (4, 6)


# ------------------------------------------------------------------------------------------
# Sources
# ------------------------------------------------------------------------------------------


class FakeUploadedFile(io.BytesIO):
    """Like Streamlit's UploadedFile: a BytesIO with a name, often already read to the end."""

    name = "photo.png"


SMALL_PNG = encode(Image.fromarray(GRAY_8), "PNG")


def _at_end(stream):
    stream.read()
    return stream


@pytest.mark.parametrize(
    "make_source",
    [
        pytest.param(lambda tmp: SMALL_PNG, id="bytes"),
        pytest.param(lambda tmp: bytearray(SMALL_PNG), id="bytearray"),
        pytest.param(lambda tmp: memoryview(SMALL_PNG), id="memoryview"),
        pytest.param(lambda tmp: _write(tmp, SMALL_PNG), id="pathlib-path"),
        pytest.param(lambda tmp: str(_write(tmp, SMALL_PNG)), id="str-path"),
        pytest.param(lambda tmp: io.BytesIO(SMALL_PNG), id="bytesio"),
        pytest.param(lambda tmp: _at_end(FakeUploadedFile(SMALL_PNG)), id="uploaded-file-read"),
        pytest.param(lambda tmp: _write(tmp, SMALL_PNG).open("rb"), id="open-binary-file"),
    ],
)
def test_every_kind_of_source_gives_the_same_image(make_source, tmp_path):
    source = make_source(tmp_path)
    np.testing.assert_array_equal(load_image(source), GRAY_8 / 255)
    if hasattr(source, "close"):
        source.close()


def _write(folder: Path, data: bytes, name: str = "image.png") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_text_mode_file_object_is_a_type_error(tmp_path):
    path = _write(tmp_path, b"hello", "notes.txt")
    with path.open("r") as handle, pytest.raises(TypeError, match="mode 'rb'"):
        load_image(handle)


@pytest.mark.parametrize("source", [42, None, [1, 2, 3], np.zeros((2, 2))], ids=repr)
def test_unsupported_source_types_are_type_errors(source):
    with pytest.raises(TypeError, match="bytes, a path or a binary file object"):
        load_image(source)


def test_missing_path_is_an_image_load_error(tmp_path):
    with pytest.raises(ImageLoadError, match="There is no file at") as info:
        load_image(tmp_path / "nowhere.png")
    assert info.value.reason == "unreadable"


# ------------------------------------------------------------------------------------------
# Bad files: one clear sentence each
# ------------------------------------------------------------------------------------------

PHOTO = Image.fromarray(
    (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
)


def _cut(fmt: str, fraction: float) -> bytes:
    data = encode(PHOTO, fmt)
    return data[: int(len(data) * fraction)]


def _flipped_byte(fmt: str) -> bytes:
    data = bytearray(encode(PHOTO, fmt))
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


BAD_FILES = [
    pytest.param(b"", "empty", "The file is empty.", id="empty"),
    pytest.param(b"just some notes\n", "not_an_image", NOT_AN_IMAGE, id="text"),
    pytest.param(b'{"a": 1}', "not_an_image", NOT_AN_IMAGE, id="json"),
    pytest.param(b"\x00" * 64, "not_an_image", NOT_AN_IMAGE, id="zeros"),
    pytest.param(b"P5 2 2 255\n\x00\x01\x02\x03", "not_an_image", NOT_AN_IMAGE,
                 id="ppm-readable-but-not-offered"),
    pytest.param(_cut("PNG", 0.5), "truncated", TRUNCATED, id="png-cut-in-half"),
    pytest.param(_cut("PNG", 0.004), "truncated", TRUNCATED, id="png-cut-after-header"),
    pytest.param(encode(PHOTO, "PNG")[:20], "truncated", TRUNCATED, id="png-cut-inside-header"),
    pytest.param(_cut("JPEG", 0.5), "truncated", TRUNCATED, id="jpeg-cut-in-half"),
    pytest.param(_cut("JPEG", 0.1), "truncated", TRUNCATED, id="jpeg-cut-early"),
    pytest.param(_cut("GIF", 0.5), "truncated", TRUNCATED, id="gif-cut-in-half"),
    pytest.param(_cut("TIFF", 0.5), "truncated", TRUNCATED, id="tiff-cut-in-half"),
    pytest.param(_cut("WEBP", 0.5), "truncated", TRUNCATED, id="webp-cut-in-half"),
    pytest.param(_cut("BMP", 0.5), "truncated", TRUNCATED, id="bmp-cut-in-half"),
    pytest.param(_flipped_byte("PNG"), "truncated", TRUNCATED, id="png-corrupted-data"),
    pytest.param(png_header_only(300, 200), "truncated", TRUNCATED, id="png-header-only"),
    pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "unsupported",
                 "HEIC images are not supported", id="heic"),
    pytest.param(b"<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'/>",
                 "unsupported", "SVG images are not supported", id="svg"),
    pytest.param(b"%PDF-1.7\n", "unsupported", "PDF images are not supported", id="pdf"),
]


@pytest.mark.parametrize(("data", "reason", "message"), BAD_FILES)
def test_bad_file_is_refused_with_one_sentence(data, reason, message):
    with pytest.raises(ImageLoadError) as info:
        load_image(data)
    assert info.value.reason == reason
    assert str(info.value).startswith(message)
    assert str(info.value).endswith(".")
    assert isinstance(info.value, ValueError)


def test_empty_file_on_disk_is_empty(tmp_path):
    with pytest.raises(ImageLoadError, match="The file is empty"):
        load_image(_write(tmp_path, b""))


def test_header_claiming_20000x20000_is_refused_fast_without_decoding():
    data = png_header_only(20000, 20000)
    start = time.perf_counter()
    with pytest.raises(ImageLoadError) as info:
        load_image(data)
    elapsed = time.perf_counter() - start
    assert info.value.reason == "too_large"
    assert "400.0 megapixels" in str(info.value)
    assert elapsed < 0.5  # decoding 400 MP would take seconds and gigabytes


def test_header_over_our_limit_but_under_pillows_names_the_size():
    data = png_header_only(8000, 6000)  # 48 MP: Pillow would open it, our 40 MP limit not
    with pytest.raises(ImageLoadError, match=r"8000×6000 pixels, 48\.0 megapixels") as info:
        load_image(data)
    assert info.value.reason == "too_large"
    assert "limit is 40.0 megapixels" in str(info.value)


def test_pillows_bomb_warning_is_an_error_even_with_a_generous_max_pixels():
    data = png_header_only(10000, 10000)  # 100 MP: over Pillow's 89.5 MP warning threshold
    with pytest.raises(ImageLoadError, match=r"100\.0 megapixels") as info:
        load_image(data, max_pixels=150_000_000)
    assert info.value.reason == "too_large"


def test_max_pixels_lower_than_the_image_refuses_it():
    data = encode(Image.fromarray(np.zeros((80, 100), dtype=np.uint8)), "PNG")
    assert load_image(data, max_pixels=8000).shape == (80, 100)
    with pytest.raises(ImageLoadError, match="100×80 pixels") as info:
        load_image(data, max_pixels=7999)
    assert info.value.reason == "too_large"


def test_loading_leaves_pillow_and_warning_state_alone():
    limit_before = Image.MAX_IMAGE_PIXELS
    filters_before = list(warnings.filters)
    for data in (SMALL_PNG, png_header_only(20000, 20000), png_header_only(8000, 6000)):
        try:
            load_image(data)
            image_info(data)
        except ImageLoadError:
            pass
    assert Image.MAX_IMAGE_PIXELS == limit_before
    assert list(warnings.filters) == filters_before


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param(dict(mode="grey"), ValueError, 'mode must be "gray" or "rgb"', id="mode"),
        pytest.param(dict(mode="L"), ValueError, 'mode must be "gray" or "rgb"', id="mode-pil"),
        pytest.param(dict(max_pixels=0), ValueError, "at least 1", id="max-pixels-zero"),
        pytest.param(dict(max_pixels=-5), ValueError, "at least 1", id="max-pixels-negative"),
        pytest.param(dict(max_pixels=True), TypeError, "integer", id="max-pixels-bool"),
        pytest.param(dict(max_pixels=1.5e6), TypeError, "integer", id="max-pixels-float"),
    ],
)
def test_invalid_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_image(SMALL_PNG, **kwargs)


def test_default_limit_admits_a_12_megapixel_photo():
    assert DEFAULT_MAX_PIXELS >= 4000 * 3000


# ------------------------------------------------------------------------------------------
# image_info: header only
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        pytest.param(lambda: SMALL_PNG, ImageInfo(3, 2, "L", "PNG", 1), id="png"),
        pytest.param(lambda: _png_16bit()[0], ImageInfo(2, 2, "I;16", "PNG", 1), id="png-16bit"),
        pytest.param(lambda: _animated_gif()[0], ImageInfo(2, 2, "P", "GIF", 2), id="gif-2-frames"),
        pytest.param(lambda: _multipage_tiff()[0], ImageInfo(2, 3, "L", "TIFF", 2),
                     id="tiff-2-pages"),
        pytest.param(lambda: _exif_rotated_jpeg(6), ImageInfo(20, 40, "L", "JPEG", 1),
                     id="jpeg-exif-rotated-size-as-displayed"),
        pytest.param(lambda: _cmyk_jpeg()[0], ImageInfo(16, 8, "CMYK", "JPEG", 1), id="cmyk"),
        pytest.param(lambda: _mpo_phone_jpeg()[0], ImageInfo(12, 8, "L", "MPO", 2), id="mpo"),
        pytest.param(lambda: png_header_only(8000, 6000), ImageInfo(8000, 6000, "L", "PNG", 1),
                     id="over-max-pixels-is-reported-not-refused"),
    ],
)
def test_image_info_reads_the_header(build, expected):
    info = image_info(build())
    assert info == expected
    width, height, mode, fmt, n_frames = info  # unpacks like a plain tuple
    assert (width, height, mode, fmt, n_frames) == tuple(expected)


def test_image_info_size_matches_the_loaded_shape():
    data = _exif_rotated_jpeg(6)
    info = image_info(data)
    assert load_image(data).shape == (info.height, info.width)


def test_image_info_refuses_what_pillow_will_not_even_open():
    with pytest.raises(ImageLoadError, match=r"400\.0 megapixels"):
        image_info(png_header_only(20000, 20000))


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", encode(PHOTO, "PNG")[:20], b"%PDF-1.4"],
    ids=["empty", "text", "png-cut-inside-header", "pdf"],
)
def test_image_info_refuses_non_images(data):
    with pytest.raises(ImageLoadError):
        image_info(data)


# ------------------------------------------------------------------------------------------
# fit_within and downsample
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("in_hw", "max_hw", "expected"),
    [
        pytest.param((3000, 4000), (600, 800), (600, 800), id="12MP-to-800x600"),
        pytest.param((3000, 4000), (1000, 1000), (750, 1000), id="landscape-in-square"),
        pytest.param((4000, 3000), (1000, 1000), (1000, 750), id="portrait-in-square"),
        pytest.param((100, 100), (600, 800), (100, 100), id="already-fits-never-upscaled"),
        pytest.param((1, 5000), (10, 10), (1, 10), id="thin-strip-keeps-one-row"),
        pytest.param((28, 28), 7, (7, 7), id="int-max"),
    ],
)
def test_fit_within(in_hw, max_hw, expected):
    assert fit_within(in_hw, max_hw) == expected


def reference_downsample(img: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """The slow, obvious version: each output pixel is the mean of its rectangle of input."""
    in_h, in_w = img.shape[-2:]
    out = np.empty((*img.shape[:-2], out_h, out_w))
    for i in range(out_h):
        rows = slice(i * in_h // out_h, (i + 1) * in_h // out_h)
        for j in range(out_w):
            cols = slice(j * in_w // out_w, (j + 1) * in_w // out_w)
            out[..., i, j] = img[..., rows, cols].mean(axis=(-2, -1))
    return out


def test_integer_factor_is_the_exact_block_mean():
    img = np.random.default_rng(1).random((60, 80))
    expected = img.reshape(15, 4, 20, 4).mean(axis=(1, 3))
    np.testing.assert_allclose(downsample(img, (15, 20)), expected, rtol=0, atol=1e-15)


def test_docstring_example():
    np.testing.assert_array_equal(
        downsample(np.arange(16.0).reshape(4, 4), (2, 2)), [[2.5, 4.5], [10.5, 12.5]]
    )


@settings(max_examples=60, deadline=None)
@given(
    img=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=30),
        elements=st.floats(-10, 10, allow_nan=False),
    ),
    max_h=st.integers(1, 35),
    max_w=st.integers(1, 35),
)
def test_downsample_equals_the_reference_and_fits(img, max_h, max_w):
    out = downsample(img, (max_h, max_w))
    out_h, out_w = fit_within(img.shape[-2:], (max_h, max_w))
    assert out.shape == (*img.shape[:-2], out_h, out_w)
    assert out_h <= max_h and out_w <= max_w
    np.testing.assert_allclose(out, reference_downsample(img, out_h, out_w), atol=1e-12)
    assert out.min() >= img.min() - 1e-12 and out.max() <= img.max() + 1e-12


def test_downsample_channels_match_per_channel_downsampling():
    rgb = np.random.default_rng(2).random((3, 97, 131))
    out = downsample(rgb, (20, 20))
    for channel in range(3):
        np.testing.assert_allclose(out[channel], downsample(rgb[channel], (20, 20)), atol=1e-15)


def test_downsample_returns_a_float_copy_when_the_image_already_fits():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    out = downsample(img, (10, 10))
    assert out.dtype == np.float64
    out[0, 0] = 99
    assert img[0, 0] == 0


def test_downsample_keeps_float32():
    img = np.ones((40, 40), dtype=np.float32)
    assert downsample(img, (10, 10)).dtype == np.float32


@pytest.mark.parametrize(
    ("img", "max_hw", "error", "match"),
    [
        pytest.param(np.zeros(5), (2, 2), ValueError, "2-D", id="1-D"),
        pytest.param(np.zeros((1, 1, 4, 4)), (2, 2), ValueError, "2-D", id="4-D"),
        pytest.param(np.zeros((0, 4)), (2, 2), ValueError, "empty", id="empty"),
        pytest.param(np.array([["a", "b"]]), (1, 1), TypeError, "numbers", id="strings"),
        pytest.param(np.zeros((4, 4)), (0, 2), ValueError, "max_hw", id="zero-size"),
        pytest.param(np.zeros((4, 4)), (2, "2"), TypeError, "max_hw", id="string-size"),
        pytest.param(np.zeros((4, 4)), (2, 2, 2), ValueError, "max_hw", id="three-sizes"),
    ],
)
def test_downsample_errors(img, max_hw, error, match):
    with pytest.raises(error, match=match):
        downsample(img, max_hw)


# ------------------------------------------------------------------------------------------
# crop_patch and to_uint8
# ------------------------------------------------------------------------------------------


def test_crop_patch_copies_the_right_cells():
    img = np.arange(30.0).reshape(5, 6)
    patch = crop_patch(img, 1, 2, 3, 2)
    np.testing.assert_array_equal(patch, [[8, 9], [14, 15], [20, 21]])
    patch[0, 0] = -1
    assert img[1, 2] == 8


def test_crop_patch_on_channels_first():
    img = np.arange(2 * 4 * 4.0).reshape(2, 4, 4)
    np.testing.assert_array_equal(crop_patch(img, 2, 2, 2, 2), img[:, 2:, 2:])


def test_crop_patch_whole_image_and_last_pixel():
    img = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(crop_patch(img, 0, 0, 3, 4), img)
    np.testing.assert_array_equal(crop_patch(img, 2, 3, 1, 1), [[11.0]])


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        pytest.param((3, 0, 3, 3), ValueError, "does not fit in the 5×6 image", id="past-bottom"),
        pytest.param((0, 4, 2, 3), ValueError, "it would end at row 1, column 6", id="past-right"),
        pytest.param((-1, 0, 2, 2), ValueError, "inside the image", id="negative-top"),
        pytest.param((0, -2, 2, 2), ValueError, "inside the image", id="negative-left"),
        pytest.param((0, 0, 0, 2), ValueError, "at least 1×1", id="zero-height"),
        pytest.param((0, 0, 2, -1), ValueError, "at least 1×1", id="negative-width"),
        pytest.param((0.5, 0, 2, 2), TypeError, "top must be an integer", id="float-top"),
        pytest.param((0, 0, True, 2), TypeError, "height must be an integer", id="bool-height"),
    ],
)
def test_crop_patch_errors(args, error, match):
    with pytest.raises(error, match=match):
        crop_patch(np.zeros((5, 6)), *args)


def test_to_uint8_clips_rounds_and_zeroes_nan():
    values = np.array([0.0, 0.5, 1.0, -1.0, 2.0, np.nan, 1 / 255, 0.499 / 255])
    np.testing.assert_array_equal(to_uint8(values), [0, 128, 255, 0, 255, 0, 1, 0])
    assert to_uint8(values).dtype == np.uint8


def test_to_uint8_round_trips_8bit_images():
    data = np.arange(256, dtype=np.uint8).reshape(16, 16)
    np.testing.assert_array_equal(to_uint8(data / 255), data)


def test_to_uint8_rescale_stretches_feature_maps():
    np.testing.assert_array_equal(to_uint8(np.array([[-2.0, 0.0, 2.0]]), rescale=True),
                                  [[0, 128, 255]])
    np.testing.assert_array_equal(to_uint8(np.full((2, 2), 7.0), rescale=True), np.zeros((2, 2)))


def test_to_uint8_channels_last_for_pillow():
    rgb = np.zeros((3, 4, 5))
    rgb[0] = 1.0
    out = to_uint8(rgb, channels_last=True)
    assert out.shape == (4, 5, 3) and out.flags.c_contiguous
    assert Image.fromarray(out).getpixel((0, 0)) == (255, 0, 0)
    with pytest.raises(ValueError, match="channels_last needs a"):
        to_uint8(np.zeros((4, 5)), channels_last=True)


# ------------------------------------------------------------------------------------------
# Bundled samples
# ------------------------------------------------------------------------------------------

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _sample_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_samples", ASSETS / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SAMPLE_SCRIPT = _sample_script()


@pytest.mark.parametrize("name", list(SAMPLE_SCRIPT.SAMPLES))
def test_bundled_sample_is_small_loads_and_matches_its_script(name):
    path = ASSETS / name
    assert path.stat().st_size < 300_000
    gray = load_image(path)
    height, width = gray.shape
    if name == "digit.png":
        assert (height, width) == (28, 28)
    else:
        assert 256 <= min(height, width) and max(height, width) <= 640
    assert gray.std() > 0.1  # has content, not a blank canvas
    build, description = SAMPLE_SCRIPT.SAMPLES[name]
    assert description.endswith(".")
    # The committed file holds exactly the pixels the script draws (not a stale version).
    with Image.open(path) as committed:
        np.testing.assert_array_equal(np.asarray(committed), np.asarray(build()))
