"""Shareable settings: a page's settings live in the URL's query string.

A teacher sets a page up, copies the link, and the link opens exactly that configuration.
A bad or tampered link never breaks a page: every value is checked, the ones that cannot be
used fall back to their defaults, and one ``st.info`` notice says so.

Adopting it on a page (three lines)
-----------------------------------
::

    from ui import url_state as us

    URL = us.UrlSchema("sw", [*us.kernel_params("sw_k"), *us.conv_params("sw"),
                              us.UrlParam("sw_speed", "choice", "normal", choices=SPEEDS)])
    us.sync_from_url(URL)      # at the top, before any widget whose key is in URL
    ...                        # the page: widgets with those keys, figures, text
    us.sync_to_url(URL)        # at the very end
    us.share_link_box()        # optional: the link to copy (e.g. in an expander)

Each :class:`UrlParam` names a session-state key (normally the widget's ``key``), its kind,
its default (which must equal the widget's own default) and its limits. Do not also give
those widgets Streamlit's own ``bind="query-params"``: this module owns the query string.

- :func:`sync_from_url` reads the query string once per visit of the page (a link opened,
  the back button), checks each value and puts the valid ones into ``st.session_state``
  *before* the widgets are created, so the widgets open with them; a setting missing from
  the link gets its default. Reruns caused by widgets do not read the URL again (the
  session state is then the truth). Coming back to the page through the navigation (which
  drops the query string) restores the settings the page last had in this session.
- :func:`sync_to_url` writes the current values back, leaving out those equal to their
  default so that links stay short. Query keys of other features listed in
  :data:`GLOBAL_PARAMS` (presenter mode, language, the code panels' framework) are kept;
  everything else is dropped.

Kinds and their text in the URL:

=============  =======================  ==============================================
kind           URL text                 session-state value
=============  =======================  ==============================================
``choice``     ``sobel_x``              one of ``choices`` (compared as text)
``int``        ``2``                    int in ``min..max``
``float``      ``0.25``                 finite float in ``min..max``
``bool``       ``1`` / ``0``            bool (``true/false/yes/no/on/off`` read too)
``str``        any text                 str of at most ``max_len`` characters
``int-list``   ``1,2``                  tuple of ``min_len..max_len`` ints in range
``float-grid`` ``1,-1;0,2``             float64 array ``(rows, cols)``; rows by ``;``,
                                        entries by ``,``; at most ``max_len`` a side
=============  =======================  ==============================================

Ready-made parameters for the shared widgets of :mod:`ui.controls` (they know its keys):
:func:`kernel_params`, :func:`conv_params`, :func:`input_params`.

The parsing and encoding functions (:func:`decode`, :func:`encode`, :func:`parse_query`,
:func:`state_updates`, :func:`query_for_state`) are pure and need no Streamlit session;
:func:`sync_from_url` and :func:`sync_to_url` never raise on any query string.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib import parse

import numpy as np
import streamlit as st

from ui.i18n import N_, _

_LOGGER = logging.getLogger(__name__)

KINDS = ("choice", "int", "float", "bool", "str", "int-list", "float-grid")

#: Query keys owned by app-wide features; a page's :func:`sync_to_url` keeps them and
#: :func:`parse_query` does not call them unknown.
GLOBAL_PARAMS = frozenset({"present", "lang", "fw"})

#: Session-state key of what this module last wrote to the URL, per page.
WRITTEN_KEY = "_url_state_written"

_INT = re.compile(r"[+-]?[0-9]{1,15}")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_MAX_SCALAR_CHARS = 40
#: Largest magnitude a float-grid entry may have when the param gives no ``max``.
GRID_LIMIT = 1e6


@dataclass(frozen=True)
class UrlParam:
    """One URL-backed setting of a page.

    Parameters
    ----------
    key : str
        Session-state key the value is read from and written to (normally a widget key).
    kind : {"choice", "int", "float", "bool", "str", "int-list", "float-grid"}
    default : object
        The value a link without this setting means; must equal the widget's default.
        ``None`` means "no default": the setting is left alone when the link lacks it and
        always written when set (e.g. the weights of a custom kernel).
    choices : sequence
        The allowed values of a ``choice``.
    min, max : float, optional
        Bounds (inclusive) of an ``int``/``float`` and of each entry of an ``int-list`` /
        ``float-grid``.
    name : str, optional
        Its key in the URL (default: ``key``). Keep it short and stable: links are shared.
    label : str, optional
        How the notice names it ("stride"); default: ``name``.
    max_len, min_len : int
        ``str``: most characters; ``int-list``: most/fewest entries; ``float-grid``: most
        rows and columns.
    to_state : callable, optional
        ``value -> {session key: value}``: what to write when the value comes from a link,
        for widgets that keep several keys in step (a preset name and its weights).
        Default ``{key: value}``.
    when : callable, optional
        ``session_state -> bool``: write the setting to the URL only when this holds (the
        weights of a kernel only when the kernel is "custom").
    """

    key: str
    kind: str
    default: Any = None
    choices: Sequence[Any] = ()
    min: float | None = None
    max: float | None = None
    name: str | None = None
    label: str | None = None
    max_len: int = 200
    min_len: int = 1
    to_state: Callable[[Any], Mapping[str, Any]] | None = field(default=None, compare=False)
    when: Callable[[Mapping[str, Any]], bool] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"UrlParam {self.key!r}: kind must be one of {KINDS}, "
                             f"got {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"UrlParam {self.key!r}: a choice needs its choices")
        object.__setattr__(self, "choices", tuple(self.choices))
        if self.default is not None:
            try:
                decode(self, encode(self, self.default))
            except ValueError as err:
                raise ValueError(f"UrlParam {self.key!r}: the default {self.default!r} is "
                                 f"not a valid value ({err})") from None

    @property
    def url_name(self) -> str:
        """The parameter's key in the query string."""
        return self.name or self.key

    @property
    def words(self) -> str:
        """How the notice names the parameter (its label, translated; mark labels with N_)."""
        return _(self.label) if self.label else self.url_name


@dataclass(frozen=True)
class UrlSchema:
    """The URL-backed settings of one page.

    Parameters
    ----------
    page : str
        A name unique among the pages (the page's key prefix, e.g. ``"sw"``).
    params : sequence of UrlParam
        Applied in this order (a kernel's preset before its custom weights).
    """

    page: str
    params: Sequence[UrlParam]

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", tuple(self.params))
        names = [p.url_name for p in self.params]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"UrlSchema {self.page!r}: URL names used twice: {duplicated}")
        clash = sorted(GLOBAL_PARAMS.intersection(names))
        if clash:
            raise ValueError(f"UrlSchema {self.page!r}: {clash} are reserved for the app")

    @property
    def url_names(self) -> frozenset[str]:
        return frozenset(p.url_name for p in self.params)


# ------------------------------------------------------------------------------ values


def decode(param: UrlParam, raw: str) -> Any:
    """The value a URL text stands for.

    Raises
    ------
    ValueError
        With a few words saying why it cannot be used ("is not a whole number").
    """
    if not isinstance(raw, str):
        raise ValueError(_("is not text"))
    text = raw.strip()
    kind = param.kind
    if kind == "str":
        return _decode_str(param, raw)
    if kind == "choice":
        return _decode_choice(param, text)
    if kind == "bool":
        word = text.lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ValueError(_("is not 1 or 0"))
    if kind == "int":
        return _check_range(param, _parse_int(text))
    if kind == "float":
        return _check_range(param, _parse_float(text))
    if kind == "int-list":
        return _decode_int_list(param, text)
    return _decode_grid(param, text)


def encode(param: UrlParam, value: Any) -> str:
    """The URL text of a value (the inverse of :func:`decode`).

    Raises
    ------
    ValueError
        When ``value`` is not a value of the parameter's kind.
    """
    kind = param.kind
    if kind == "choice":
        for choice in param.choices:
            if _same(choice, value):
                return str(choice)
        raise ValueError(_("is not one of the choices"))
    if kind == "bool":
        if isinstance(value, bool | np.bool_):
            return "1" if value else "0"
        raise ValueError(_("is not true or false"))
    if kind == "int":
        return str(_as_int(value))
    if kind == "float":
        return _format_float(value)
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError(_("is not text"))
        return value
    if kind == "int-list":
        if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
            raise ValueError(_("is not a list of whole numbers"))
        return ",".join(str(_as_int(v)) for v in value)
    grid = np.asarray(value)
    if grid.ndim != 2 or grid.dtype.kind not in "iuf" or grid.size == 0:
        raise ValueError(_("is not a grid of numbers"))
    return ";".join(",".join(_format_float(v) for v in row) for row in grid)


def _same(choice: Any, value: Any) -> bool:
    try:
        return bool(choice == value) or str(choice) == value
    except Exception:  # an exotic value whose == misbehaves is simply not a match
        return False


def _decode_str(param: UrlParam, raw: str) -> str:
    if len(raw) > param.max_len:
        raise ValueError(_("is longer than {n} characters").format(n=param.max_len))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in raw):
        raise ValueError(_("contains control characters"))
    return raw


def _decode_choice(param: UrlParam, text: str) -> Any:
    if len(text) <= 200:
        for choice in param.choices:
            if str(choice) == text:
                return choice
        folded = [c for c in param.choices if str(c).casefold() == text.casefold()]
        if len(folded) == 1:
            return folded[0]
    raise ValueError(_("is not one of the choices"))


def _parse_int(text: str) -> int:
    if not _INT.fullmatch(text):
        raise ValueError(_("is not a whole number"))
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > _MAX_SCALAR_CHARS or not _FLOAT.fullmatch(text):
        raise ValueError(_("is not a number"))
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(_("is too large"))
    return value


def _check_range(param: UrlParam, value: float) -> Any:
    if param.min is not None and value < param.min:
        raise ValueError(_("is below {low}").format(low=_format_float(param.min)))
    if param.max is not None and value > param.max:
        raise ValueError(_("is above {high}").format(high=_format_float(param.max)))
    return value


def _decode_int_list(param: UrlParam, text: str) -> tuple[int, ...]:
    if len(text) > 16 * param.max_len + 16:
        raise ValueError(_("is too long"))
    items = [item.strip() for item in text.split(",")] if text else []
    if not param.min_len <= len(items) <= param.max_len:
        raise ValueError(_count_numbers(param.min_len, param.max_len))
    return tuple(_check_range(param, _parse_int(item)) for item in items)


def _decode_grid(param: UrlParam, text: str) -> np.ndarray:
    side = param.max_len
    if len(text) > (_MAX_SCALAR_CHARS + 1) * side * side + side:
        raise ValueError(_("is too long"))
    rows = [row.split(",") for row in text.split(";")]
    if not 1 <= len(rows) <= side or not all(1 <= len(row) <= side for row in rows):
        raise ValueError(_("is not a grid of 1 to {side} rows and columns").format(side=side))
    if len({len(row) for row in rows}) != 1:
        raise ValueError(_("has rows of different lengths"))
    values = np.array([[_parse_float(item.strip()) for item in row] for row in rows],
                      dtype=np.float64)
    limit = GRID_LIMIT if param.max is None else param.max
    low = -limit if param.min is None else param.min
    if values.min() < low or values.max() > limit:
        raise ValueError(_("has numbers outside {low}…{high}").format(
            low=_format_float(low), high=_format_float(limit)))
    return values


def _count_numbers(low: int, high: int) -> str:
    if low == high:
        return _("needs {low} numbers").format(low=low)
    return _("needs {low} to {high} numbers").format(low=low, high=high)


def _as_int(value: Any) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer | float
                                                             | np.floating):
        raise ValueError(_("is not a whole number"))
    if isinstance(value, float | np.floating) and not float(value).is_integer():
        raise ValueError(_("is not a whole number"))
    return int(value)


def _format_float(value: Any) -> str:
    """Shortest text that reads back as the same float: ``2``, ``-0.5``, ``0.1111111111111111``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer
                                                             | np.floating):
        raise ValueError(_("is not a number"))
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(_("is not a finite number"))
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


# ------------------------------------------------------------------------------ query ↔ state


@dataclass(frozen=True)
class ParsedQuery:
    """What a query string says about a schema.

    Attributes
    ----------
    values : dict
        ``{session key: value}`` of the valid settings, in schema order.
    problems : list of str
        One phrase per setting that cannot be used (``stride “abc” is not a whole
        number``), ready for the notice.
    """

    values: dict[str, Any]
    problems: list[str]


def parse_query(schema: UrlSchema, query: Mapping[str, str]) -> ParsedQuery:
    """Check every value of ``query`` (URL name → text) against ``schema``.

    Unknown keys are problems too (a typo in a prepared link should not go unnoticed),
    except :data:`GLOBAL_PARAMS`. Never raises.
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for param in schema.params:
        if param.url_name not in query:
            continue
        raw = query[param.url_name]
        try:
            values[param.key] = decode(param, raw)
        except Exception as err:  # any failure means "cannot use it"
            problems.append(_("{setting} {value} {reason}").format(
                setting=_quote(param.words), value=_quote_value(raw), reason=_reason(err)))
    for name in query:
        if name not in schema.url_names and name not in GLOBAL_PARAMS:
            problems.append(_("{name} is not a setting of this page").format(name=_quote(name)))
    return ParsedQuery(values, problems)


def state_updates(schema: UrlSchema, parsed: ParsedQuery) -> tuple[dict[str, Any], list[str]]:
    """The session-state writes that open the page as the link says.

    Settings the link lacks (or that could not be used) get their default, so that the
    result does not depend on what the session held before. Returns ``(updates,
    problems)``; ``problems`` adds the settings whose ``to_state`` failed.
    """
    updates: dict[str, Any] = {}
    problems = list(parsed.problems)
    for param in schema.params:
        if param.key in parsed.values:
            value = parsed.values[param.key]
        elif param.default is not None:
            value = param.default
        else:
            continue
        try:
            writes = {param.key: value} if param.to_state is None else dict(param.to_state(value))
        except Exception as err:  # a page hook must not break the link
            problems.append(_("{setting} could not be applied ({reason})").format(
                setting=_quote(param.words), reason=_reason(err)))
            continue
        updates.update(writes)
    return updates, problems


def query_for_state(schema: UrlSchema, state: Mapping[str, Any]) -> dict[str, str]:
    """The query (URL name → text) for the settings in ``state``, defaults left out.

    A value that is missing, not of the parameter's kind or out of its range is left out
    too (the link then opens with the default). Never raises.
    """
    query: dict[str, str] = {}
    for param in schema.params:
        try:
            if param.key not in state:
                continue
            if param.when is not None and not param.when(state):
                continue
            text = encode(param, state[param.key])
            decode(param, text)  # only what a link can carry
            if param.default is not None and text == encode(param, param.default):
                continue
        except Exception:  # such a value just stays out of the link
            continue
        query[param.url_name] = text
    return query


def link_query(query: Mapping[str, str | Sequence[str]]) -> str:
    """``a=1&k=1,-1;0,2``: a query string with ``,`` and ``;`` left readable."""
    return parse.urlencode(query, doseq=True, safe=",;")


def _reason(err: Exception) -> str:
    text = str(err).strip() if isinstance(err, ValueError | TypeError) else ""
    return _plain(text, 80) or _("is not valid")


def _quote(text: str) -> str:
    return f"“{_plain(text, 30)}”"


def _quote_value(raw: Any) -> str:
    return f"“{_plain(str(raw), 30)}”" if str(raw) else _("(empty)")


def _plain(text: str, limit: int) -> str:
    """Text safe to put in a notice: printable, no Markdown, no HTML, at most ``limit``."""
    kept = "".join(ch if ch.isalnum() or ch in " ,.;+-=/()…_" else "·" for ch in text)
    kept = re.sub(r"(?i)www\.", "www·", kept)  # no autolinks either
    kept = kept if len(kept) <= limit else kept[: limit - 1] + "…"
    return kept.replace("_", "\\_")  # an underscore shown as itself, not as emphasis


# ------------------------------------------------------------------------------ Streamlit


def _current_query(names: frozenset[str] | None = None) -> dict[str, str]:
    """The query string as URL name → text (the last value of a repeated key)."""
    params = st.query_params
    return {name: params[name] for name in list(params)
            if names is None or name in names}


def _written(state: MutableMapping[str, Any]) -> dict[str, dict[str, str]]:
    written = state.get(WRITTEN_KEY)
    if not isinstance(written, dict):
        written = {}
        state[WRITTEN_KEY] = written
    return written


def notice_text(problems: Sequence[str]) -> str:
    """The one notice a bad link gets."""
    shown = list(problems[:5])
    if len(problems) > 5:
        shown.append(_("and {n} more").format(n=len(problems) - 5))
    return _("This link had settings that could not be used ({problems}); the defaults are "
             "shown instead.").format(problems="; ".join(shown))


def sync_from_url(schema: UrlSchema, *, notice: bool = True) -> list[str]:
    """Open the page with the settings of its link (call before the schema's widgets).

    Reads ``st.query_params`` when the page is visited (a link opened, a new session,
    the back button) and leaves the session alone on reruns caused by the page's own
    widgets. Arriving through the navigation, which drops the query string, restores the
    settings this page last wrote in this session.

    Parameters
    ----------
    schema : UrlSchema
    notice : bool
        Show the ``st.info`` notice when some settings could not be used.

    Returns
    -------
    list of str
        The problems found (empty for a good link, and on reruns). Never raises on any
        query string.
    """
    state = st.session_state
    written = _written(state)
    seen = written.get(schema.page)
    query = _current_query()
    if seen is not None and _restrict(query, schema) == seen:
        return []  # our own link: the widgets hold the truth
    if seen and not _restrict(query, schema):
        query = dict(seen)  # back through the navigation: restore this page's settings
    updates, problems = state_updates(schema, parse_query(schema, query))
    for key, value in updates.items():
        state[key] = value
    written[schema.page] = _restrict(query, schema)
    if problems and notice:
        st.info(notice_text(problems), icon=":material/link:")
    return problems


def _restrict(query: Mapping[str, str], schema: UrlSchema) -> dict[str, str]:
    return {name: text for name, text in query.items() if name in schema.url_names}


def sync_to_url(schema: UrlSchema) -> dict[str, str]:
    """Write the page's current settings to the URL (call at the end of the page).

    Settings equal to their default are left out; :data:`GLOBAL_PARAMS` already in the URL
    are kept; any other key is dropped. Nothing is sent when the URL already says it.

    Returns
    -------
    dict
        The page's part of the query (URL name → text).
    """
    state = st.session_state
    wanted = query_for_state(schema, state)
    params = st.query_params
    kept = {name: params.get_all(name) for name in list(params) if name in GLOBAL_PARAMS}
    target = {**{name: [text] for name, text in wanted.items()}, **kept}
    current = {name: params.get_all(name) for name in list(params)}
    if current != target:
        params.from_dict(target)
    _written(state)[schema.page] = dict(wanted)
    return wanted


def current_link() -> str:
    """The link of the page as it is now: address (when known) and query string."""
    query = link_query({name: st.query_params.get_all(name) for name in list(st.query_params)})
    base = ""
    try:
        base = st.context.url or ""
    except Exception:  # no browser context (tests, bare mode)
        base = ""
    return f"{base}?{query}" if query else (base or "?")


def clamp_int(key: str, low: int, high: int, default: int) -> int:
    """``st.session_state[key]`` as an int in ``low..high`` (``default`` when it is not a
    number), written back so that the widget drawn with that key shows the same value."""
    value = st.session_state.get(key, default)
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = default
    st.session_state[key] = int(min(max(value, low), high))
    return st.session_state[key]


def share_link_box(*, label: str = N_("Link to this exact setup")) -> str:
    """Show the page's current link for copying (``st.code`` has a copy button).

    Call it after :func:`sync_to_url` so that it shows this run's settings.
    """
    link = current_link()
    st.caption(_(label))
    st.code(link, language=None, wrap_lines=True)
    return link


# ------------------------------------------------------------------------------ shared widgets


def kernel_params(prefix: str, *, default: str = "d2l", name: str = "k",
                  max_side: int | None = None) -> list[UrlParam]:
    """URL parameters for :func:`ui.controls.kernel_editor` with the same ``prefix``.

    ``k=<preset>`` for a preset kernel, ``k=custom&kw=1,-1;0,2`` for typed weights.
    """
    from convcore.kernels import kernel_names
    from ui import controls

    side = controls.KERNEL_MAX_SIDE if max_side is None else max_side
    preset_key, valid_key = f"{prefix}_preset", f"{prefix}_valid"

    def preset_state(preset: str) -> dict[str, Any]:
        if preset == controls.CUSTOM:  # weights to edit, even when the link has none
            return {**controls.kernel_state_values(prefix, default), preset_key: preset}
        return controls.kernel_state_values(prefix, preset)

    def weights_state(weights: np.ndarray) -> dict[str, Any]:
        return {preset_key: controls.CUSTOM, f"{prefix}_text": controls.format_grid(weights),
                valid_key: np.array(weights, dtype=np.float64)}

    return [
        UrlParam(preset_key, "choice", default, choices=[*kernel_names(), controls.CUSTOM],
                 name=name, label=N_("kernel"), to_state=preset_state),
        UrlParam(valid_key, "float-grid", None, name=f"{name}w", label=N_("kernel weights"),
                 max_len=side, to_state=weights_state,
                 when=lambda state: state.get(preset_key) == controls.CUSTOM),
    ]


def conv_params(prefix: str, *, modes: bool = True, short: str = "") -> list[UrlParam]:
    """URL parameters for :func:`ui.controls.conv_settings` with the same ``prefix``.

    URL names: ``pad`` (valid/same/full/custom), ``pt pb pl pr`` (custom sides),
    ``sh sw`` (stride), ``dh dw`` (dilation), ``pm`` (padding mode), each after ``short``.
    """
    from convcore.padding import PADDING_MODES
    from ui import controls

    s = short
    params = [UrlParam(f"{prefix}_padding", "choice", "valid",
                       choices=list(controls.PADDING_CHOICES), name=f"{s}pad",
                       label=N_("padding"))]
    for side in ("top", "bottom", "left", "right"):
        params.append(UrlParam(f"{prefix}_pad_{side}", "int", 1, min=0, max=20,
                               name=f"{s}p{side[0]}", label=f"{side} padding",
                               when=_equals(f"{prefix}_padding", "custom")))
    for axis, words in (("h", "down"), ("w", "across")):
        params.append(UrlParam(f"{prefix}_stride_{axis}", "int", 1, min=1, max=8,
                               name=f"{s}s{axis}", label=f"stride {words}"))
    for axis, words in (("h", "down"), ("w", "across")):
        params.append(UrlParam(f"{prefix}_dilation_{axis}", "int", 1, min=1, max=5,
                               name=f"{s}d{axis}", label=f"dilation {words}"))
    if modes:
        params.append(UrlParam(f"{prefix}_padding_mode", "choice", PADDING_MODES[0],
                               choices=list(PADDING_MODES), name=f"{s}pm",
                               label=N_("padding values")))
    return params


def input_params(prefix: str, *, default: str = "arange", short: str = "") -> list[UrlParam]:
    """URL parameters for :func:`ui.controls.input_picker` with the same ``prefix``.

    URL names (after ``short``): ``in`` (preset), ``src`` (preset/typed/patch), ``x``
    (typed values, ``0,1;2,3``), ``rr rc rs rv`` (random rows, columns, seed, value range),
    ``bs bq`` (checkerboard size, square), ``img ps pt pl pc`` (patch: sample image, size,
    top, left, cells). An uploaded photo cannot travel in a link; a link to a patch of an
    upload opens the first sample instead.
    """
    from ui import controls

    s = short
    source_key = f"{prefix}_source"
    samples = [p.name for p in controls.sample_files()] or ["none"]

    def typed_state(values: np.ndarray) -> dict[str, Any]:
        return {source_key: "typed", f"{prefix}_text": controls.format_grid(values),
                f"{prefix}_valid": np.array(values, dtype=np.float64)}

    patch = _equals(source_key, "patch")
    return [
        UrlParam(source_key, "choice", "preset", choices=list(controls.SOURCES),
                 name=f"{s}src", label=N_("input source")),
        UrlParam(f"{prefix}_preset", "choice", default, choices=list(controls.INPUT_PRESETS),
                 name=f"{s}in", label=N_("input")),
        UrlParam(f"{prefix}_valid", "float-grid", None, name=f"{s}x", label=N_("input values"),
                 max_len=controls.GRID_MAX_SIDE, to_state=typed_state,
                 when=_equals(source_key, "typed")),
        UrlParam(f"{prefix}_rand_rows", "int", 6, min=1, max=16, name=f"{s}rr",
                 label=N_("random rows"), when=_equals(f"{prefix}_preset", "random")),
        UrlParam(f"{prefix}_rand_cols", "int", 6, min=1, max=16, name=f"{s}rc",
                 label=N_("random columns"), when=_equals(f"{prefix}_preset", "random")),
        UrlParam(f"{prefix}_rand_seed", "int", 0, min=0, max=10_000, name=f"{s}rs",
                 label=N_("random seed"), when=_equals(f"{prefix}_preset", "random")),
        UrlParam(f"{prefix}_rand_range", "int-list", (0, 9), min=-9, max=9, min_len=2,
                 max_len=2, name=f"{s}rv", label=N_("random values"),
                 when=_equals(f"{prefix}_preset", "random")),
        UrlParam(f"{prefix}_board_size", "int", 8, min=2, max=16, name=f"{s}bs",
                 label=N_("board size"), when=_equals(f"{prefix}_preset", "checkerboard")),
        UrlParam(f"{prefix}_board_square", "int", 2, min=1, max=8, name=f"{s}bq",
                 label=N_("board square"), when=_equals(f"{prefix}_preset", "checkerboard")),
        UrlParam(f"{prefix}_patch_image", "choice", None, choices=samples, name=f"{s}img",
                 label=N_("patch image"), when=patch),
        UrlParam(f"{prefix}_patch_size", "int", None, min=2, max=100_000, name=f"{s}ps",
                 label=N_("patch size"), when=patch),
        UrlParam(f"{prefix}_patch_top", "int", None, min=0, max=100_000, name=f"{s}pt",
                 label=N_("patch top"), when=patch),
        UrlParam(f"{prefix}_patch_left", "int", None, min=0, max=100_000, name=f"{s}pl",
                 label=N_("patch left"), when=patch),
        UrlParam(f"{prefix}_patch_cells", "int", 16, min=2, max=controls.PATCH_MAX_CELLS,
                 name=f"{s}pc", label=N_("patch cells"), when=patch),
    ]


def _equals(key: str, value: Any) -> Callable[[Mapping[str, Any]], bool]:
    def holds(state: Mapping[str, Any]) -> bool:
        return state.get(key) == value

    return holds
