"""No emoji in what the app shows (issue 9 item 13, issue 11).

Debian's Chromium — the test browser, and many classroom machines — has no emoji font: every
emoji is drawn as an empty box. Icons are Material Symbols (``:material/quiz:``), which
Streamlit serves itself. The quiz badge was 🎯 and its feedback ✅ ❌ until this test.

Two scans: every msgid of the translation catalogue (all of the app's translated text) and
every string literal of the pages and ``ui`` modules (docstrings aside), which also covers
text that is not translated (icons, figure button labels, symbols).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.glob("app_pages/*.py"), *ROOT.glob("ui/*.py")])
CATALOGUE = ROOT / "locales" / "zh" / "LC_MESSAGES" / "messages.po"

# Characters drawn as colour emoji by default (Unicode's Emoji_Presentation=Yes, emoji-data
# 15.1) outside the supplementary pictograph planes, which count as emoji as a whole.
# Text-presentation symbols such as ▶ ❚ × → are ordinary font glyphs and allowed.
_BMP_EMOJI = [(0x231A, 0x231B), (0x23E9, 0x23EC), (0x23F0, 0x23F0), (0x23F3, 0x23F3),
              (0x25FD, 0x25FE), (0x2614, 0x2615), (0x2648, 0x2653), (0x267F, 0x267F),
              (0x2693, 0x2693), (0x26A1, 0x26A1), (0x26AA, 0x26AB), (0x26BD, 0x26BE),
              (0x26C4, 0x26C5), (0x26CE, 0x26CE), (0x26D4, 0x26D4), (0x26EA, 0x26EA),
              (0x26F2, 0x26F3), (0x26F5, 0x26F5), (0x26FA, 0x26FA), (0x26FD, 0x26FD),
              (0x2705, 0x2705), (0x270A, 0x270B), (0x2728, 0x2728), (0x274C, 0x274C),
              (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757), (0x2795, 0x2797),
              (0x27B0, 0x27B0), (0x27BF, 0x27BF), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50),
              (0x2B55, 0x2B55),
              (0xFE0F, 0xFE0F)]  # the "draw as emoji" variation selector


def emoji_in(text: str) -> list[str]:
    """The characters of ``text`` that need an emoji font."""
    return [ch for ch in text if 0x1F000 <= ord(ch) <= 0x1FAFF
            or any(lo <= ord(ch) <= hi for lo, hi in _BMP_EMOJI)]


@pytest.mark.parametrize("text, found", [
    ("🎯 Quiz score", ["🎯"]), ("Right ✅", ["✅"]), ("❌", ["❌"]), ("⚠️ careful", ["️"]),
    ("🟥 padding", ["🟥"]), ("▶ plays, ❚❚ pauses", []), (":material/quiz: Quiz", []),
    ("3×3 → 2×2, ⌊(n − k)/s⌋", []), ("卷积核", []),
], ids=["target", "check", "cross", "variation-selector", "square", "play-pause", "material",
        "maths", "chinese"])
def test_the_detector(text, found):
    assert emoji_in(text) == found


def _literals(path: Path):
    """(line, text) of every string literal in a module, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef,
                                       ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in docstrings):
            yield node.lineno, node.value


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_no_emoji_in_string_literals(path):
    found = [f"{path.name}:{line}: {text[:60]!r}" for line, text in _literals(path)
             if emoji_in(text)]
    assert not found, "emoji (empty boxes without an emoji font):\n" + "\n".join(found)


def test_no_emoji_in_the_catalogue():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    found = []
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in (*ids, *strs):
            if text and emoji_in(text):
                where = ", ".join(f"{p}:{n}" for p, n in message.locations)
                found.append(f"{text[:60]!r} ({where})")
    assert SOURCES and len(catalogue) > 100
    assert not found, "emoji in translated text:\n" + "\n".join(found)
