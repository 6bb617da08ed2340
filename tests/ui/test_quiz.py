"""ui.quiz without a server: reading answers, judging them, keeping the score.

The widgets (answer box, Check / Show me, reveal, badge) are driven through a page in
tests/app/test_classroom.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui import quiz


@pytest.mark.parametrize(("text", "value"), [
    ("19", 19.0),
    (" 2.5 ", 2.5),
    ("-3", -3.0),
    ("−3", -3.0),  # the typographic minus the app prints
    ("+4", 4.0),
    (".5", 0.5),
    ("2,5", 2.5),  # a decimal comma
    ("1/9", 1 / 9),
    ("-1/3", -1 / 3),
    ("1e3", 1000.0),
    ("1 000", 1000.0),
], ids=["int", "spaces", "negative", "typographic-minus", "plus", "leading-point",
        "decimal-comma", "fraction", "negative-fraction", "exponent", "thousands-space"])
def test_parse_answer_reads_what_learners_type(text, value):
    assert quiz.parse_answer(text) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize(("text", "message"), [
    ("", "Type a number first."),
    ("   ", "Type a number first."),
    ("abc", "“abc” is not a number"),
    ("1/0", "“1/0” divides by zero."),
    ("1/2/3", "is not a number"),
    ("nan", "is not a number"),
    ("inf", "is not a number"),
    ("1e999", "is not a number"),
    ("1,2,3", "is not a number"),
    ("٣", "is not a number"),  # an Arabic-Indic digit
    ("9" * 100, "is not a number"),
], ids=["empty", "blank", "word", "divide-by-zero", "double-fraction", "nan", "inf",
        "overflow", "list", "non-ascii-digit", "absurd-length"])
def test_parse_answer_explains_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        quiz.parse_answer(text)


@given(st.text(max_size=60))
def test_parse_answer_gives_a_finite_number_or_a_value_error(text):
    try:
        value = quiz.parse_answer(text)
    except ValueError as err:
        assert str(err)
    else:
        assert value == value and abs(value) != float("inf")


@pytest.mark.parametrize(("answer", "correct", "tolerance", "right"), [
    (19, 19, None, True),
    (19.004, 19, None, True),
    (19.01, 19, None, False),
    (0.33, 1 / 3, None, True),
    (0.32, 1 / 3, None, False),
    (1000.4, 1000, None, True),  # four significant digits of a large answer
    (1001, 1000, None, False),
    (0.32, 1 / 3, 0.02, True),
    (19.001, 19, 0.0, False),
], ids=["exact", "within-rounding", "beyond-rounding", "two-decimals-of-a-third",
        "one-decimal-of-a-third", "large-within", "large-beyond", "page-tolerance",
        "zero-tolerance"])
def test_is_right_allows_what_rounding_allows(answer, correct, tolerance, right):
    assert quiz.is_right(answer, correct, tolerance) is right


def test_shapes_print_like_the_app():
    assert quiz.format_shape((3, 4)) == "3×4"
    assert quiz.format_shape([1, 1]) == "1×1"


def test_a_changed_answer_is_a_new_question():
    assert quiz.fingerprint((3, 4)) != quiz.fingerprint((4, 3))
    assert quiz.fingerprint(19.0) == quiz.fingerprint(19)
    assert quiz.fingerprint(19.0) != quiz.fingerprint(19.5)
    assert quiz.fingerprint((3, 4)) != quiz.fingerprint(34)


def test_the_url_param_opens_quiz_mode():
    param = quiz.url_param("ps")
    assert (param.key, param.kind, param.default, param.url_name) == (
        "quiz_ps", "bool", False, "quiz")


# ------------------------------------------------------------------------------ score


@pytest.fixture
def session(monkeypatch):
    """A fresh session state for the quiz module (a plain dict)."""
    state: dict = {}
    monkeypatch.setattr(quiz, "st", SimpleNamespace(session_state=state))
    return state


def test_a_question_scores_once(session):
    quiz._record("ps", "ps/out", "shape:3×3", True, "3×3")
    quiz._record("ps", "ps/out", "shape:3×3", False, "4×4")
    assert quiz.score("ps") == quiz.Score(1, 1)
    assert session[quiz.RECORDS_KEY]["ps/out"]["given"] == "3×3"


def test_a_wrong_first_answer_leaves_one_more_try_that_does_not_score(session):
    quiz._record("ps", "ps/out", "shape:3×3", False, "4×4")
    assert session[quiz.RECORDS_KEY]["ps/out"]["revealed"] is False
    quiz._record("ps", "ps/out", "shape:3×3", True, "3×3")
    record = session[quiz.RECORDS_KEY]["ps/out"]
    assert (record["revealed"], record["right"], record["tries"]) == (True, True, 2)
    quiz._record("ps", "ps/out", "shape:3×3", False, "2×2")  # a third answer changes nothing
    assert session[quiz.RECORDS_KEY]["ps/out"]["given"] == "3×3"
    assert quiz.score("ps") == quiz.Score(0, 1)


def test_a_new_answer_to_the_same_question_id_scores_again(session):
    quiz._record("ps", "ps/out", "shape:3×3", True, "3×3")
    quiz._record("ps", "ps/out", "shape:2×2", False, "3×3")
    assert quiz.score("ps") == quiz.Score(1, 2)


def test_scores_add_up_per_page_and_in_total(session):
    quiz._record("ps", "ps/out", "shape:3×3", True, "3×3")
    quiz._record("ps", "ps/next", "number:19", False, "20")
    quiz._record("sw", "sw/next", "number:25", True, "25")
    quiz._record("sw", "sw/skip", "number:37", None, quiz.SKIPPED)
    assert quiz.score("ps") == quiz.Score(1, 2)
    assert quiz.score("sw") == quiz.Score(1, 2)
    assert quiz.score("pool") == quiz.Score(0, 0)
    assert quiz.score() == quiz.Score(2, 4)
    assert quiz.score().text() == "2 / 4"


def test_reset_forgets_scores_and_answers(session):
    quiz._record("ps", "ps/out", "shape:3×3", True, "3×3")
    quiz.reset_scores()
    assert quiz.score() == quiz.Score(0, 0)
    assert session[quiz.RECORDS_KEY] == {}


def test_a_corrupted_score_entry_starts_afresh(session):
    session[quiz.SCORES_KEY] = "not a dict"
    session[quiz.RECORDS_KEY] = None
    quiz._record("ps", "ps/out", "shape:3×3", True, "3×3")
    assert quiz.score() == quiz.Score(1, 1)
