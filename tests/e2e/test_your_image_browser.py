"""The "Your image" page in a real browser: upload a photo through the file chooser, see its
feature maps; upload a text file, read one sentence, keep the photo.

Fixtures (``server``, ``browser_page``) and helpers come from tests/e2e/conftest.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import IDLE, TIMEOUT_MS
from ui.navigation import existing_pages

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def photo(tmp_path) -> Path:
    """A 600×800 JPEG with edges in both directions."""
    rows, cols = np.mgrid[0:600, 0:800]
    rgb = np.stack([(rows // 75 % 2) * 200 + 30, (cols // 100 % 2) * 180 + 40,
                    np.full((600, 800), 120)], axis=-1).astype(np.uint8)
    path = tmp_path / "holiday.jpg"
    Image.fromarray(rgb).save(path, "JPEG", quality=92)
    return path


def _wait_idle(page) -> None:
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)


def _choose_file(page, path: Path) -> None:
    """Click the uploader's button ("Upload", or "Add files" once a file is there) and answer
    the browser's file chooser, as a user does."""
    uploader = page.get_by_test_id("stFileUploader")
    button = uploader.locator("[data-testid='stBaseButton-secondary'], "
                              "button[aria-label='Add files']").first
    with page.expect_file_chooser(timeout=TIMEOUT_MS) as chooser:
        button.click()
    chooser.value.set_files(str(path))


def test_upload_shows_feature_maps_and_a_bad_file_keeps_the_photo(server, browser_page, photo,
                                                                  tmp_path):
    page = browser_page
    page.goto(f"{server}/your_image", timeout=TIMEOUT_MS)
    _wait_idle(page)
    page.get_by_text("Showing cat.jpg", exact=False).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Computed 4 feature maps", exact=False).wait_for(timeout=TIMEOUT_MS)

    _choose_file(page, photo)
    page.get_by_text("Showing holiday.jpg · upload · 600×800 pixels",
                     exact=False).wait_for(timeout=TIMEOUT_MS)
    _wait_idle(page)
    timing = page.get_by_text("Computed 4 feature maps on 600×800 pixels", exact=False)
    timing.wait_for(timeout=TIMEOUT_MS)
    maps = page.get_by_text("conv 598×798", exact=False)
    maps.first.wait_for(timeout=TIMEOUT_MS)
    assert maps.count() >= 3  # Sobel x, Sobel y, Laplacian (the 5×5 blur gives 596×796)
    images = page.locator("[data-testid='stImage'] img")
    assert images.count() >= 9  # gray, R, G, B, four maps, the picture with the patch
    loaded = images.evaluate_all("imgs => imgs.filter(i => i.complete && i.naturalWidth > 0)"
                                 ".length")
    assert loaded == images.count()
    assert page.locator("[data-testid='stException']").count() == 0

    bad = tmp_path / "shopping.png"
    bad.write_bytes(b"eggs, milk, bread\n" * 10)
    _choose_file(page, bad)
    alert = page.get_by_text("This file is not an image", exact=False)
    alert.wait_for(timeout=TIMEOUT_MS)
    _wait_idle(page)
    assert "Still showing holiday.jpg." in page.locator("[data-testid='stAlert']").inner_text()
    assert page.get_by_text("Showing holiday.jpg · upload", exact=False).count() == 1
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_screenshot_of_the_page_is_not_blank(server, browser_page):
    """The feature maps are really drawn: the page's pixels are not one flat colour."""
    page = browser_page
    page.goto(f"{server}/your_image", timeout=TIMEOUT_MS)
    _wait_idle(page)
    page.get_by_text("Computed", exact=False).first.wait_for(timeout=TIMEOUT_MS)
    first_map = page.locator("[data-testid='stImage'] img").nth(4)
    first_map.scroll_into_view_if_needed()
    shot = Image.open(io.BytesIO(first_map.screenshot(timeout=TIMEOUT_MS))).convert("L")
    pixels = np.asarray(shot, dtype=float)
    assert pixels.std() > 5


def test_downloads_the_gif_and_a_full_resolution_feature_map(server, browser_page, tmp_path):
    """The buttons build their files on the click: a GIF with one frame per output cell of
    the patch, and the full-resolution map as .npy."""
    page = browser_page
    page.goto(f"{server}/your_image", timeout=TIMEOUT_MS)
    _wait_idle(page)
    page.get_by_text("Computed", exact=False).first.wait_for(timeout=TIMEOUT_MS)

    page.get_by_text("Download the patch, its output", exact=False).click()
    gif_button = page.get_by_role("button", name="Sliding window over the patch (GIF)")
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        gif_button.click()
    gif_path = tmp_path / download.value.suggested_filename
    download.value.save_as(gif_path)
    assert gif_path.suffix == ".gif"
    with Image.open(gif_path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 14 * 14  # 16×16 patch, 3×3 kernel

    page.get_by_text("Download the feature maps at full resolution", exact=False).click()
    npy_button = page.get_by_role("button", name="Sobel x (vertical edges) (.npy)")
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        npy_button.click()
    npy_path = tmp_path / "map.npy"
    download.value.save_as(npy_path)
    feature_map = np.load(npy_path, allow_pickle=False)
    assert feature_map.shape == (298, 449) and feature_map.min() >= 0  # valid conv, ReLU


def _truncated_texts(page, selector: str) -> list[str]:
    """Texts under ``selector`` that their box cuts (wider than it shows)."""
    return page.locator(selector).evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)")


def test_presenter_mode_at_1280x720_shows_the_maps_above_the_fold(server, browser):
    """Issue 9 item 1: at a projector's 1280×720, after the title and one row of controls,
    the four feature maps are on screen without scrolling, with nothing cut."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{server}/your_image?present=1", timeout=TIMEOUT_MS)
        _wait_idle(page)
        page.get_by_text("Computed 4 feature maps", exact=False).wait_for(timeout=TIMEOUT_MS)
        page.wait_for_function(
            "() => [...document.querySelectorAll(\"[data-testid='stImage'] img\")]"
            ".filter(i => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect()"
            ".height > 0).length >= 4", timeout=TIMEOUT_MS)
        maps = page.locator("[data-testid='stImage'] img")
        boxes = [maps.nth(k).bounding_box() for k in range(maps.count())]
        visible = [b for b in boxes if b and b["height"] > 0]
        assert len(visible) >= 4
        assert all(b["y"] + b["height"] <= 720 for b in visible[:4]), visible[:4]
        assert all(b["width"] >= 150 for b in visible[:4])
        # The channels and the patch are folded away, and no label is cut.
        summaries = page.locator("[data-testid='stExpander'] summary").all_inner_texts()
        assert any("A patch to study" in s for s in summaries)
        cut = _truncated_texts(page, "[data-testid='stWidgetLabel'] p, "
                                     "[data-testid='stExpander'] summary p, "
                                     "[data-testid='stImageCaption']")
        assert not cut, cut
        page.screenshot(path=str(Path(__file__).resolve().parents[2] / "screenshots" / "tmp"
                                 / "your_image_presenter_1280x720.png"))
    finally:
        context.close()


def test_home_page_cards_are_not_cut_in_presenter_mode(server, browser):
    """Issue 9 item 11: at 1280 px the page titles on Home's cards were cut ("Sliding windo")."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{server}/?present=1", timeout=TIMEOUT_MS)
        _wait_idle(page)
        links = page.locator("[data-testid='stMain'] [data-testid='stPageLink'] a")
        # every page but Home itself; waited for: under load the cards arrive in several
        # deltas, and counting at the first one saw 6 of 10
        expect(links).to_have_count(len(existing_pages()) - 1, timeout=TIMEOUT_MS)
        cut = _truncated_texts(page, "[data-testid='stMain'] [data-testid='stPageLink'] a p, "
                                     "[data-testid='stMain'] [data-testid='stPageLink'] a span")
        assert not cut, cut
    finally:
        context.close()
