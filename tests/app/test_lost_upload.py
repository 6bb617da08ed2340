"""A link that names an uploaded photo the server no longer has (issue 9 item 4).

Every page that reads the session's photo says so in the SAME one sentence
(``ui.image_source.UPLOAD_GONE``, from ``image_source.missing_upload_notice``) and offers an
upload box. There were three: a warning of the input picker (sliding window, pooling),
Your image's notice and the channels' photo tab's own, each worded differently.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from ui import image_source

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120

# (page file, link to the session's photo, key of the upload box the notice offers)
LINKS = [
    ("app_pages/sliding_window.py", {"isrc": "session"}, "sw_in_lost_upload"),
    ("app_pages/pooling.py", {"isrc": "session"}, "pool_in_lost_upload"),
    ("app_pages/channels.py", {"tab": "photo", "img": "current"},
     "channels_photo_upload_again"),
    # Your image: its own upload box is right there (in presenter mode the notice brings one).
    ("app_pages/your_image.py", {"src": "upload"}, "img_upload"),
]


def open_link(path: str, query: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.run()
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _photo_sentences(at: AppTest) -> list[str]:
    """Every notice on the page that talks about the photo being gone."""
    return [e.value for kind in ("info", "warning", "error") for e in getattr(at, kind)
            if "server" in e.value]


@pytest.mark.parametrize("path, query, upload_key", LINKS,
                         ids=[Path(p).stem for p, _q, _k in LINKS])
def test_one_sentence_everywhere_with_an_upload_box(path, query, upload_key):
    at = open_link(path, query)
    assert _photo_sentences(at) == [image_source.UPLOAD_GONE]
    keys = [u.proto.id for u in at.get("file_uploader")]
    assert any(k.endswith(upload_key) for k in keys), keys


def test_the_notice_is_one_sentence():
    text = image_source.UPLOAD_GONE
    assert text.endswith(".") and text[:-1].count(". ") == 0 and "upload" in text


def _png() -> bytes:
    out = io.BytesIO()
    Image.fromarray((np.arange(64).reshape(8, 8) * 4).astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def test_the_sliding_window_takes_the_photo_back_once_uploaded_again():
    at = open_link("app_pages/sliding_window.py", {"isrc": "session"})
    assert at.radio(key="sw_in_source").value == "preset"
    at.file_uploader(key="sw_in_lost_upload").set_value(("again.png", _png(), "image/png"))
    at.run()
    assert not at.exception
    assert at.session_state[image_source.CURRENT_KEY].name == "again.png"
    assert at.radio(key="sw_in_source").value == "session"
    assert _photo_sentences(at) == []
