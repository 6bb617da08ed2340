"""Translation: every user-facing string of the app, in English and Simplified Chinese.

The catalogues are GNU gettext message catalogues, one per language:
``locales/<lang>/LC_MESSAGES/messages.po`` (English is the source language: its messages are
the ``msgid`` strings in the code, so it needs no catalogue). The ``.po`` files are compiled
to gettext's binary form in memory when the server first needs them (Babel's ``write_mo``,
then the standard library's :class:`gettext.GNUTranslations`), so no compiled file is kept
in the repository and an edited ``.po`` takes effect at the next start.

Using it in a page or a ``ui`` module
-------------------------------------
::

    from ui.i18n import _, N_

    st.header(_("Padding & stride"))
    st.caption(_("The {k}×{k} kernel gives {n} outputs.").format(k=3, n=n))

    KIND_NAMES = {"max": N_("Max"), "avg": N_("Average")}   # module level: mark only,
    st.radio(_("Pooling"), list(KIND_NAMES),                 # translate where shown
             format_func=i18n.option_labels(KIND_NAMES))     # (fixed to this run's language)

Rules (the tests in ``tests/ui/test_i18n.py`` enforce them):

- Wrap whole sentences, never pieces glued together: word order differs between languages.
  Use named ``{placeholders}`` with ``str.format`` after ``_()`` (not f-strings: the extractor
  cannot see inside them). Numbers, code and formulas go in placeholders or backticks.
- A string built at import time (module constants, ``PageInfo`` titles) is marked with
  :func:`N_` and passed through :func:`_` where it is displayed.
- Anything cached across sessions that contains translated text (``st.cache_resource`` /
  ``st.cache_data`` figure builders) must take the language as an argument, e.g.
  ``build(..., lang=current_language())``, so that the cache keeps one copy per language.
- ``convcore``'s exception messages stay English (they are for programmers); the app's own
  sentence around them is translated.

Adding a language: see the README ("Translations").
"""

from __future__ import annotations

import contextlib
import gettext
import io
import threading
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "locales"
DOMAIN = "messages"

#: Languages offered, in the selector's order: code → its own name.
LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文"}
DEFAULT_LANGUAGE = "en"
#: ``<html lang>`` value for each language.
HTML_LANG = {"en": "en", "zh": "zh-CN"}

#: The selector's widget key; a plain session key that outlives it (Streamlit drops a
#: widget's value on pages that do not draw it); the query key of links (``?lang=zh``).
LANG_KEY = "lang"
REMEMBERED_KEY = "_lang_on"
URL_KEY = "lang"
_URL_SEEN_KEY = "_lang_url_seen"

# Outside a Streamlit script run (unit tests of figure builders, scripts) the language is
# this thread's override, set with :func:`use_language`.
_local = threading.local()


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (translate it where shown)."""
    return message


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English: the identity). Cached per process."""
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def normalise(code: str | None) -> str | None:
    """A supported language code from a URL value or a browser locale (``zh-CN`` → ``zh``)."""
    if not code:
        return None
    primary = str(code).strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def _browser_language() -> str | None:
    """The browser's preferred supported language (``st.context``), if any."""
    try:
        found = normalise(st.context.locale)
        if found:
            return found
        header = st.context.headers.get("Accept-Language", "") or ""
    except Exception:  # no browser (AppTest, bare mode)
        return None
    for part in header.split(","):
        found = normalise(part.split(";")[0])
        if found:
            return found
    return None


def current_language() -> str:
    """The language of this session (or of :func:`use_language` outside a script run)."""
    override = getattr(_local, "lang", None)
    if override is not None:
        return override
    try:
        state = st.session_state
        if LANG_KEY in state and state[LANG_KEY] in LANGUAGES:
            return state[LANG_KEY]
        remembered = state.get(REMEMBERED_KEY)
    except Exception:  # no script run context
        return DEFAULT_LANGUAGE
    return remembered if remembered in LANGUAGES else DEFAULT_LANGUAGE


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Translate into ``lang`` inside the block (tests, scripts, figure builders)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; known: {', '.join(LANGUAGES)}")
    previous = getattr(_local, "lang", None)
    _local.lang = lang
    try:
        yield
    finally:
        _local.lang = previous


def _(message: str) -> str:
    """``message`` in the session's language (the English text when it has no translation)."""
    return translations(current_language()).gettext(message)


def n_(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count`` in the session's language."""
    return translations(current_language()).ngettext(singular, plural, count)


def option_labels(names: Mapping[Any, str]) -> Callable[[Any], str]:
    """A widget's ``format_func``: ``names[option]`` (``N_``-marked English) translated.

    The language is the one of the run that draws the widget, fixed now: Streamlit (and its
    AppTest harness) may call a format function again outside the script run, where the
    session's language is unknown, and a widget's labels must not change language then.
    """
    translate = translations(current_language()).gettext
    return lambda option: translate(names[option])


def in_run_language(format_func: Callable[[Any], str]) -> Callable[[Any], str]:
    """``format_func`` run in this run's language whenever it is called (see
    :func:`option_labels`), for labels computed rather than looked up."""
    lang = current_language()

    def formatted(value: Any) -> str:
        with use_language(lang):
            return format_func(value)

    return formatted


def language_selector(*, where=None) -> str:
    """Draw the language selector (sidebar by default) and apply the language.

    The first visit takes the language from the link (``?lang=zh``), else from the
    browser's preferred language, else English. Afterwards the selector decides, the choice
    is remembered across pages, and the URL follows it so that a copied link carries it.
    Call it once per run, before the page runs (``app.py``).
    """
    state = st.session_state
    raw = st.query_params.get(URL_KEY)
    if raw is not None and raw != state.get(_URL_SEEN_KEY):
        from_link = normalise(raw)
        if from_link is not None:
            state[LANG_KEY] = from_link
    if LANG_KEY not in state or state[LANG_KEY] not in LANGUAGES:
        state[LANG_KEY] = (state.get(REMEMBERED_KEY) if state.get(REMEMBERED_KEY) in LANGUAGES
                           else _browser_language() or DEFAULT_LANGUAGE)
    container = st.sidebar if where is None else where
    lang = container.segmented_control(
        "Language · 语言", options=list(LANGUAGES), format_func=LANGUAGES.__getitem__,
        key=LANG_KEY, selection_mode="single", required=True)
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    state[REMEMBERED_KEY] = lang
    _write_url(lang)
    _set_html_lang(lang)
    return lang


def _write_url(lang: str) -> None:
    """Put ``lang=`` in the URL unless it is the language a link without it would open in.

    A link without ``lang`` opens in the reader's browser language (or English), so the
    choice is written whenever it differs from that (and kept once written), and a copied
    link opens in the language the teacher chose.
    """
    params = st.query_params
    implied = _browser_language() or DEFAULT_LANGUAGE
    if params.get(URL_KEY) != lang and (lang != implied or URL_KEY in params):
        params[URL_KEY] = lang
    st.session_state[_URL_SEEN_KEY] = params.get(URL_KEY)


def _set_html_lang(lang: str) -> None:
    """Set ``<html lang>`` (Streamlit has no option for it; a one-line script does it)."""
    code = HTML_LANG[lang]
    st.html(f"<script>document.documentElement.lang = {code!r};</script>",
            unsafe_allow_javascript=True, width="content")
