"""Keep the translation catalogues in step with the code.

Usage (from the repository root)::

    python -m tools.catalogue update          # extract messages, update every language's .po
    python -m tools.catalogue check           # what tests/ui/test_i18n.py checks, as a report
    python -m tools.catalogue check --files app_pages/pooling.py ui/figures_pooling.py
    python -m tools.catalogue fill OTHER.po…  # take translations for our empty entries from others

``update`` extracts every string marked with ``_()``, ``N_()`` or ``n_()`` in ``app.py``,
``app_pages/`` and ``ui/`` into ``locales/messages.pot`` and merges it into
``locales/<lang>/LC_MESSAGES/messages.po``: translations of unchanged messages are kept, new
messages arrive empty (to be translated), messages no longer in the code are dropped. No fuzzy
guesses are made: a changed sentence must be translated again. Entries are grouped by file and
carry no line numbers, so that editing a page does not rewrite the whole catalogue.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from ui import i18n

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "locales"
TEMPLATE = LOCALE_DIR / "messages.pot"
GLOSSARY = LOCALE_DIR / "glossary.csv"
#: Where user-facing text lives (convcore's messages stay English: they are for programmers).
SOURCES = ("app.py", "app_pages", "ui")
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2)}
#: Translated languages (English is the source language): the app's list, less English.
LANGUAGES = tuple(code for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE)

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[!:][^{}]*)?\}|\{\}|%(?:\([a-z_]+\))?[sdfr]")


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every marked message of the app's sources, with the files it appears in."""
    catalog = Catalog(project="Convolution Explorer", fuzzy=False)
    for source in SOURCES:
        path = ROOT / source
        if path.is_file():
            results = _extract_file(path)
        else:
            results = (
                (str(Path(source) / filename), lineno, message, comments)
                for filename, lineno, message, comments, _context in extract_from_dir(
                    path, method_map=[("**.py", "python")], keywords=KEYWORDS,
                    comment_tags=("i18n:",), strip_comment_tags=True))
        for filename, lineno, message, comments in results:
            catalog.add(message, locations=[(filename, lineno)], auto_comments=comments)
    return catalog


def _extract_file(path: Path):
    from babel.messages.extract import extract as extract_stream

    with path.open("rb") as handle:
        for lineno, message, comments, _context in extract_stream(
                "python", handle, keywords=KEYWORDS, comment_tags=("i18n:",),
                strip_comment_tags=True):
            yield path.name, lineno, message, comments


def load(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def save(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_by_file=True, include_lineno=False,
                 ignore_obsolete=True)


def update() -> None:
    """Write the template and merge it into every language's catalogue."""
    template = extract()
    save(template, TEMPLATE)
    for lang in LANGUAGES:
        path = po_path(lang)
        catalog = load(path, lang) if path.exists() else Catalog(locale=lang, fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalog.obsolete.clear()
        save(catalog, path)
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, "
              f"{sum(1 for m in catalog if m.id and not _translated(m))} to translate")


def fill(lang: str, others: Iterable[Path]) -> int:
    """Copy translations from ``others`` into our empty entries; return how many."""
    path = po_path(lang)
    ours = load(path, lang)
    filled = 0
    for other_path in others:
        other = load(Path(other_path), lang)
        for message in ours:
            if not message.id or _translated(message):
                continue
            theirs = other.get(message.id)
            if theirs is not None and _translated(theirs) and not theirs.fuzzy:
                message.string = theirs.string
                filled += 1
    save(ours, path)
    return filled


def _translated(message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def placeholders(text: str) -> Counter:
    """The ``{name}`` / ``%s`` placeholders of a message, counted."""
    unescaped = (text or "").replace("{{", "").replace("}}", "").replace("%%", "")
    return Counter(_PLACEHOLDER.findall(unescaped))


@dataclass(frozen=True)
class Term:
    """One glossary entry: the English term, the Chinese one (d2l-zh) and accepted variants."""

    english: str
    chinese: str
    variants: tuple[str, ...]
    source: str

    def pattern(self) -> re.Pattern:
        return re.compile(rf"\b{re.escape(self.english)}s?\b", re.IGNORECASE)

    def accepts(self, translation: str) -> bool:
        return any(word in translation for word in (self.chinese, *self.variants))


def glossary() -> list[Term]:
    with GLOSSARY.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [Term(row["english"], row["chinese"],
                 tuple(v for v in row["variants"].split("|") if v), row["source"])
            for row in rows]


def problems(lang: str, files: Iterable[str] = ()) -> list[str]:
    """Everything that keeps the ``lang`` catalogue from matching the code; empty when fine.

    With ``files`` (paths such as ``app_pages/pooling.py``), only the messages those files use.
    """
    found: list[str] = []
    code = extract()
    catalog = load(po_path(lang), lang)
    wanted = {str(Path(f)) for f in files}
    code_ids = {m.id for m in code if m.id and (
        not wanted or any(loc in wanted for loc, _line in m.locations))}
    po_ids = {m.id for m in catalog if m.id} if not wanted else set(code_ids)
    for missing in sorted(code_ids - po_ids, key=str):
        found.append(f"not in the {lang} catalogue: {missing!r}")
    for extra in sorted(po_ids - code_ids, key=str):
        found.append(f"in the {lang} catalogue but no longer in the code: {extra!r}")
    terms = glossary()
    for message in catalog:
        if not message.id or message.id not in code_ids:
            continue
        if not _translated(message) or message.fuzzy:
            found.append(f"untranslated ({lang}): {message.id!r}")
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = (message.string if isinstance(message.string, tuple | list)
                   else (message.string,))
        if any(placeholders(s) != placeholders(ids[0]) for s in strings):
            found.append(f"placeholders differ ({lang}): {message.id!r} → {message.string!r}")
        for term in terms:
            if term.pattern().search(ids[0]) and not all(term.accepts(s) for s in strings):
                found.append(f"glossary ({lang}): {term.english!r} should be "
                             f"{term.chinese!r} in {message.string!r}")
    return found


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("update", "check", "fill"):
        print(__doc__)
        return 2
    if argv[0] == "update":
        update()
        return 0
    if argv[0] == "fill":
        for lang in LANGUAGES:
            print(f"{lang}: filled {fill(lang, [Path(p) for p in argv[1:]])}")
        return 0
    files = argv[2:] if argv[1:2] == ["--files"] else []
    bad = [line for lang in LANGUAGES for line in problems(lang, files)]
    print("\n".join(bad) or "catalogues complete")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
