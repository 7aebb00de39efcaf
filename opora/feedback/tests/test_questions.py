"""The survey definition schema and branching (pure)."""

import pytest

from opora.core.errors import InvalidInput
from opora.feedback.questions import clean_answers, validate_definition, visible_question_ids

TEXT = {"ru": "Вопрос", "en": "Question"}
RATING = {"id": "q1", "type": "rating", "min": 1, "max": 5, "text": TEXT}
CHOICE = {
    "id": "q2",
    "type": "choice",
    "text": TEXT,
    "options": [{"value": "a", "text": TEXT}, {"value": "b", "text": TEXT}],
}
COMMENT = {"id": "q3", "type": "text", "text": TEXT, "verbatim": True}
LOW_SHOWS_Q3 = [{"if": {"question": "q1", "op": "<=", "value": 2}, "show": ["q3"]}]


def test_a_valid_definition_passes():
    validate_definition([RATING, CHOICE, COMMENT], LOW_SHOWS_Q3)


@pytest.mark.parametrize(
    ("questions", "rules", "field"),
    [
        ([], [], "questions"),
        ([CHOICE, RATING], [], "questions.0.type"),
        ([RATING, {**COMMENT, "text": {"ru": "Только русский"}}], [], "questions.1.text"),
        ([RATING, {**RATING}], [], "questions.1.id"),
        ([{**RATING, "min": 5, "max": 1}], [], "questions.0"),
        ([RATING, {**CHOICE, "options": [CHOICE["options"][0]]}], [], "questions.1.options"),
        (
            [RATING, COMMENT],
            [{"if": {"question": "qx", "op": "<=", "value": 2}, "show": ["q3"]}],
            "rules.0.if.question",
        ),
        (
            [RATING, COMMENT],
            [{"if": {"question": "q1", "op": "~", "value": 2}, "show": ["q3"]}],
            "rules.0.if.op",
        ),
        (
            [RATING, COMMENT],
            [{"if": {"question": "q3", "op": "==", "value": "x"}, "show": ["q1"]}],
            "rules.0.show",
        ),
    ],
)
def test_invalid_definitions_name_the_problem(questions, rules, field):
    with pytest.raises(InvalidInput) as refused:
        validate_definition(questions, rules)
    assert field in refused.value.fields


def test_branching_shows_a_conditional_question_only_when_its_rule_holds():
    questions = [RATING, CHOICE, COMMENT]
    assert visible_question_ids(questions, LOW_SHOWS_Q3, {}) == ["q1", "q2"]
    assert visible_question_ids(questions, LOW_SHOWS_Q3, {"q1": 4}) == ["q1", "q2"]
    assert visible_question_ids(questions, LOW_SHOWS_Q3, {"q1": 2}) == ["q1", "q2", "q3"]


def test_answers_to_hidden_questions_are_dropped_and_bad_answers_refused():
    questions = [RATING, CHOICE, COMMENT]
    assert clean_answers(questions, LOW_SHOWS_Q3, {"q1": 5, "q3": "hidden"}) == {"q1": 5}
    assert clean_answers(questions, LOW_SHOWS_Q3, {"q1": 1, "q3": " why "}) == {
        "q1": 1,
        "q3": "why",
    }
    for bad in ({"q1": 6}, {"q1": "5"}, {"q1": 3, "q2": "c"}, {"q9": 1}):
        with pytest.raises(InvalidInput):
            clean_answers(questions, LOW_SHOWS_Q3, bad)
