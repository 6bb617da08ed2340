"""Predict, then reveal: a page asks for a number or a shape before it shows it.

A per-page toggle turns quiz mode on. In quiz mode each question draws an answer box with
"Check" and "Show me" buttons. A right answer reveals a tick, the answer and the explanation the
page passes, and the page shows what it was hiding; a wrong first answer says so and asks
again (the answer stays hidden), and the second answer, right or wrong, reveals it. The score
is kept for the session, per page and in total, and counts each question once, by its first
answer.

A question is its ``question_id`` *and* its right answer: when the page's settings change
the answer, it is a new question (the box empties and it can score again).

Adopting it on a page (two or three lines)
------------------------------------------
::

    from ui import quiz

    quiz.quiz_enabled("ps")                      # the toggle (sidebar); returns bool
    if quiz.ask_shape("ps", "out", "What shape is the output?", (out_h, out_w),
                      explanation=shape_sentence):
        st.plotly_chart(fig)                     # revealed: quiz off, or answered
    quiz.score_badge("ps")                       # sidebar: this page and total

``ask_number(page, id, prompt, correct, tolerance=...)`` works the same for a value (the
next output cell of the sliding window). Add :func:`url_param` to the page's
:class:`ui.url_state.UrlSchema` so that a prepared link (``?quiz=1``) opens in quiz mode.

Session state: ``quiz_<page>`` (toggle), ``quiz_scores`` (``{page: {"right", "asked"}}``),
``quiz_records`` (``{"page/id": {"fingerprint", "right", "given"}}``) and per-question widget
keys starting ``quiz_<page>_<id>_``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, NamedTuple

import streamlit as st

from convcore.trace import format_number
from ui.i18n import N_, _
from ui.url_state import UrlParam

SCORES_KEY = "quiz_scores"
RECORDS_KEY = "quiz_records"
SKIPPED = "skipped"

_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?")


class Score(NamedTuple):
    """Questions answered right out of questions asked."""

    right: int
    asked: int

    def text(self) -> str:
        return f"{self.right} / {self.asked}"


#: How many answers a question takes before the answer is shown.
TRIES = 2

# Material Symbols, not emoji: Streamlit serves that font itself, while a classroom machine
# without an emoji font (Debian's Chromium) draws every emoji as an empty box (issue 9).
#: Before the score in the sidebar.
BADGE_ICON = ":material/quiz:"
ICON_RIGHT = ":material/check_circle:"
ICON_WRONG = ":material/cancel:"
ICON_SHOWN = ":material/visibility:"
ICON_AGAIN = ":material/replay:"


# ------------------------------------------------------------------------------ pure helpers


def parse_answer(text: str) -> float:
    """A number typed by a learner: ``2.5``, ``-3``, ``−3``, ``1/9``, ``2,5`` (decimal comma).

    Raises
    ------
    ValueError
        With one sentence when it is not a number.
    """
    cleaned = str(text).strip().replace("−", "-").replace(" ", "")
    if re.fullmatch(r"[+-]?[0-9]+,[0-9]+", cleaned):
        cleaned = cleaned.replace(",", ".")
    if not cleaned:
        raise ValueError(_("Type a number first."))
    parts = cleaned.split("/")
    if len(cleaned) <= 40 and len(parts) <= 2 and all(_NUMBER.fullmatch(p) for p in parts):
        if len(parts) == 2:
            if float(parts[1]) == 0:
                raise ValueError(_("“{text}” divides by zero.").format(text=text))
            return float(Fraction(parts[0]) / Fraction(parts[1]))
        value = float(parts[0])
        if math.isfinite(value):
            return value
    raise ValueError(_("“{text}” is not a number: type digits, a point, a minus sign or a "
                       "fraction such as 1/9.").format(text=str(text)[:30]))


def default_tolerance(correct: float) -> float:
    """What rounding allows: two decimals (±0.005), or four significant digits of a large
    answer (±0.05 % of it)."""
    return max(0.005, 5e-4 * abs(float(correct)))


def is_right(answer: float, correct: float, tolerance: float | None = None) -> bool:
    """Whether ``answer`` counts as ``correct``."""
    tol = default_tolerance(correct) if tolerance is None else tolerance
    return abs(float(answer) - float(correct)) <= tol


def format_shape(hw: Sequence[int]) -> str:
    """``(3, 4)`` → ``"3×4"``."""
    return "×".join(str(int(n)) for n in hw)


def fingerprint(correct: Any) -> str:
    """What identifies a question's answer (so a changed answer makes a new question)."""
    if isinstance(correct, Sequence) and not isinstance(correct, str):
        return "shape:" + format_shape(correct)
    return f"number:{float(correct):.12g}"


# ------------------------------------------------------------------------------ state


def toggle_key(page_key: str) -> str:
    """Session key of the page's quiz toggle."""
    return f"quiz_{page_key}"


def _remembered_key(page_key: str) -> str:
    return f"_quiz_{page_key}_on"


def _base(page_key: str, question_id: str) -> str:
    return re.sub(r"\W", "_", f"quiz_{page_key}_{question_id}")


def _scores() -> dict[str, dict[str, int]]:
    scores = st.session_state.get(SCORES_KEY)
    if not isinstance(scores, dict):
        scores = {}
        st.session_state[SCORES_KEY] = scores
    return scores


def _records() -> dict[str, dict[str, Any]]:
    records = st.session_state.get(RECORDS_KEY)
    if not isinstance(records, dict):
        records = {}
        st.session_state[RECORDS_KEY] = records
    return records


def score(page_key: str | None = None) -> Score:
    """The session's score on one page, or in total when ``page_key`` is None."""
    scores = _scores()
    pages = scores.values() if page_key is None else [scores.get(page_key, {})]
    return Score(sum(p.get("right", 0) for p in pages), sum(p.get("asked", 0) for p in pages))


def reset_scores() -> None:
    """Forget every score and answer of the session."""
    st.session_state[SCORES_KEY] = {}
    st.session_state[RECORDS_KEY] = {}


def _record(page_key: str, full_id: str, fp: str, right: bool | None, given: str) -> None:
    """Store an answer; the first answer to a question is the one that scores.

    ``right`` is None for "Show me". A wrong first answer leaves the question open for one more
    try (``revealed`` False); any other answer, or the second one, reveals the answer.
    """
    records = _records()
    old = records.get(full_id)
    if old is not None and old.get("fingerprint") == fp:
        if old.get("revealed", True):
            return
        old.update(right=right, given=given, tries=old.get("tries", 1) + 1, revealed=True)
        return
    first_wrong = right is False
    records[full_id] = {"fingerprint": fp, "right": right, "given": given, "tries": 1,
                        "first_right": bool(right),
                        "revealed": not (first_wrong and TRIES > 1)}
    page = _scores().setdefault(page_key, {"right": 0, "asked": 0})
    page["asked"] += 1
    page["right"] += int(bool(right))


# ------------------------------------------------------------------------------ widgets


def quiz_enabled(page_key: str, *, where: Any = None,
                 label: str = N_("Predict, then reveal")) -> bool:
    """Draw the page's quiz toggle (in the sidebar unless ``where`` is given).

    Remembered for the session when the learner visits other pages.
    """
    state = st.session_state
    key = toggle_key(page_key)
    if key not in state:
        state[key] = bool(state.get(_remembered_key(page_key), False))
    container = st.sidebar if where is None else where
    on = bool(container.toggle(_(label), key=key,
                               help=_("Answer before the page shows the result; your score "
                                      "is kept for this session.")))
    state[_remembered_key(page_key)] = on
    return on


def is_enabled(page_key: str) -> bool:
    """Whether the page's quiz mode is on (no widget drawn)."""
    state = st.session_state
    key = toggle_key(page_key)
    return bool(state[key]) if key in state else bool(state.get(_remembered_key(page_key)))


def url_param(page_key: str, *, name: str = "quiz") -> UrlParam:
    """The URL parameter (``quiz=1``) that opens the page in quiz mode."""
    return UrlParam(toggle_key(page_key), "bool", False, name=name, label=N_("quiz mode"))


def _new_question(page_key: str, question_id: str, fp: str, input_keys: Sequence[str]) -> None:
    """Empty the answer box when the question (its answer) changed since the last run."""
    state = st.session_state
    base = _base(page_key, question_id)
    if state.get(f"{base}_fp") != fp:
        for key in (*input_keys, f"{base}_hint"):
            state.pop(key, None)
        state[f"{base}_fp"] = fp
    full_id = f"{page_key}/{question_id}"
    record = _records().get(full_id)
    if record is not None and record.get("fingerprint") != fp:
        del _records()[full_id]


def _check_number(page_key: str, question_id: str, fp: str, correct: float,
                  tolerance: float | None) -> None:
    base = _base(page_key, question_id)
    text = st.session_state.get(f"{base}_in") or ""
    try:
        answer = parse_answer(text)
    except ValueError as err:
        st.session_state[f"{base}_hint"] = str(err)
        return
    _record(page_key, f"{page_key}/{question_id}", fp, is_right(answer, correct, tolerance),
            format_number(answer, digits=6))


def _check_shape(page_key: str, question_id: str, fp: str, correct_hw: tuple[int, ...]) -> None:
    base = _base(page_key, question_id)
    given = [st.session_state.get(f"{base}_{axis}") for axis in ("rows", "cols")]
    if any(v is None for v in given):
        st.session_state[f"{base}_hint"] = _("Type both numbers: rows and columns.")
        return
    hw = tuple(int(v) for v in given)
    _record(page_key, f"{page_key}/{question_id}", fp, hw == tuple(correct_hw),
            format_shape(hw))


def _show_me(page_key: str, question_id: str, fp: str) -> None:
    _record(page_key, f"{page_key}/{question_id}", fp, None, SKIPPED)


def _reveal(record: dict[str, Any], answer_text: str, explanation: str) -> None:
    if record["right"] and record.get("tries", 1) == 1:
        st.success(_("Right: {answer}.").format(answer=answer_text), icon=ICON_RIGHT)
    elif record["right"]:
        st.success(_("Right on the second try: {answer}.").format(answer=answer_text),
                   icon=ICON_RIGHT)
    elif record["given"] == SKIPPED:
        st.info(_("The answer: {answer}.").format(answer=answer_text), icon=ICON_SHOWN)
    else:
        st.error(_("Not quite: you said {given}; the answer is {answer}.").format(
            given=record["given"], answer=answer_text), icon=ICON_WRONG)
    if explanation:
        st.markdown(explanation)


def _try_again(record: dict[str, Any]) -> None:
    """After a wrong first answer: say so, without giving the answer away."""
    st.warning(_("Not quite: {given} is not it. Try once more, or press “Show me”.").format(
        given=record["given"]), icon=ICON_AGAIN)


def _buttons(page_key: str, question_id: str, fp: str, check, args: tuple) -> None:
    base = _base(page_key, question_id)
    c1, c2, _spacer = st.columns([1, 1, 3])
    c1.button(_("Check"), key=f"{base}_check", type="primary", on_click=check, args=args)
    c2.button(_("Show me"), key=f"{base}_show", on_click=_show_me,
              args=(page_key, question_id, fp))
    hint = st.session_state.pop(f"{base}_hint", None)
    if hint:
        st.warning(hint)


def ask_number(page_key: str, question_id: str, prompt: str, correct: float, *,
               tolerance: float | None = None, explanation: str = "",
               where: Any = None) -> bool:
    """Ask for a number before showing it.

    Parameters
    ----------
    page_key, question_id : str
        The page's quiz key and the question's name on that page.
    prompt : str
        The question (Markdown).
    correct : float
        The right answer (from convcore).
    tolerance : float, optional
        Largest accepted difference; default :func:`default_tolerance`.
    explanation : str
        Markdown shown with the answer (how it is computed).
    where : container, optional
        Where to draw the question (default: a bordered box in the page's flow).

    Returns
    -------
    bool
        True when the page may show the answer: quiz mode is off, or the question was
        answered (or given up). False while the question waits for an answer.
    """
    if not is_enabled(page_key):
        return True
    fp = fingerprint(correct)
    base = _base(page_key, question_id)
    _new_question(page_key, question_id, fp, [f"{base}_in"])
    record = _records().get(f"{page_key}/{question_id}")
    parent = st if where is None else where
    with parent.container(border=True):
        st.markdown(f"**{prompt}**")
        if record is not None and record.get("revealed", True):
            _reveal(record, format_number(correct, digits=6), explanation)
            return True
        if record is not None:
            _try_again(record)
        st.text_input(_("Your answer"), key=f"{base}_in",
                      placeholder=_("a number, e.g. 2.5, −3 or 1/9"))
        _buttons(page_key, question_id, fp, _check_number,
                 (page_key, question_id, fp, float(correct), tolerance))
    return False


def ask_shape(page_key: str, question_id: str, prompt: str, correct_hw: Sequence[int], *,
              explanation: str = "", where: Any = None) -> bool:
    """Ask for a shape (rows × columns) before showing it; see :func:`ask_number`.

    ``correct_hw`` is ``(rows, cols)``.
    """
    if not is_enabled(page_key):
        return True
    hw = tuple(int(n) for n in correct_hw)
    fp = fingerprint(hw)
    base = _base(page_key, question_id)
    _new_question(page_key, question_id, fp, [f"{base}_rows", f"{base}_cols"])
    record = _records().get(f"{page_key}/{question_id}")
    parent = st if where is None else where
    with parent.container(border=True):
        st.markdown(f"**{prompt}**")
        if record is not None and record.get("revealed", True):
            _reveal(record, format_shape(hw), explanation)
            return True
        if record is not None:
            _try_again(record)
        c1, c2, _spacer = st.columns([1, 1, 2])
        c1.number_input(_("Rows"), min_value=0, max_value=100_000, value=None, step=1,
                        key=f"{base}_rows", placeholder=_("rows"))
        c2.number_input(_("Columns"), min_value=0, max_value=100_000, value=None, step=1,
                        key=f"{base}_cols", placeholder=_("columns"))
        _buttons(page_key, question_id, fp, _check_shape, (page_key, question_id, fp, hw))
    return False


def score_badge(page_key: str | None = None, *, where: Any = None) -> None:
    """The session's score (this page and in total), in the sidebar unless ``where``.

    Drawn only once a question was asked or the page's quiz mode is on.
    """
    total = score()
    on_page = score(page_key) if page_key is not None else None
    if total.asked == 0 and not (page_key is not None and is_enabled(page_key)):
        return
    container = st.sidebar if where is None else where
    if on_page is not None:
        container.markdown(BADGE_ICON + " " + _(
            "Quiz score (first tries): **{page}** on this page · **{total}** in all").format(
            page=on_page.text(), total=total.text()))
    else:
        container.markdown(BADGE_ICON + " " + _(
            "Quiz score (first tries): **{total}** in all").format(total=total.text()))
