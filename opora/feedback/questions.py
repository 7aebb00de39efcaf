"""The survey question schema and its branching rules (pure: no database).

A survey version holds ``questions``, a list of dicts, and ``rules``, a list of dicts::

    {"id": "q1", "type": "rating", "min": 1, "max": 5, "text": {"ru": "…", "en": "…"}}
    {"id": "q2", "type": "choice", "text": {…}, "options": [{"value": "speed", "text": {…}}]}
    {"id": "q3", "type": "text", "text": {…}, "verbatim": true}

    {"if": {"question": "q1", "op": "<=", "value": 2}, "show": ["q2"]}

The first question is always a rating: it is the score (CSAT, CES, NPS) that the e-mail's
one-click links answer. A question named in some rule's ``show`` is hidden unless one of those
rules holds for the answers given so far; every other question is always shown. At most one
text question is the ``verbatim``: the customer's own words shown in reports and kudos.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from opora.core.errors import InvalidInput

QUESTION_TYPES = {"rating", "choice", "text"}
LANGUAGES = ("ru", "en")
MAX_TEXT_ANSWER = 5000
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
    "!=": operator.ne,
}


def _invalid(path: str, problem: str) -> InvalidInput:
    return InvalidInput(
        _("The survey definition is not valid: %(path)s %(problem)s")
        % {"path": path, "problem": problem},
        fields={path: problem},
    )


def _check_texts(texts: Any, path: str) -> None:
    if not isinstance(texts, dict) or not all(
        isinstance(texts.get(language), str) and texts[language].strip() for language in LANGUAGES
    ):
        raise _invalid(path, "needs non-empty ru and en texts")


def validate_definition(questions: Any, rules: Any) -> None:
    """Raise ``InvalidInput`` naming the first problem in a version's questions and rules."""
    if not isinstance(questions, list) or not questions:
        raise _invalid("questions", "must be a non-empty list")
    seen: dict[str, dict] = {}
    verbatims = 0
    for index, question in enumerate(questions):
        path = f"questions.{index}"
        if not isinstance(question, dict):
            raise _invalid(path, "must be an object")
        question_id, kind = question.get("id"), question.get("type")
        if not isinstance(question_id, str) or not question_id or question_id in seen:
            raise _invalid(f"{path}.id", "must be a unique non-empty string")
        if kind not in QUESTION_TYPES:
            raise _invalid(f"{path}.type", f"must be one of {sorted(QUESTION_TYPES)}")
        _check_texts(question.get("text"), f"{path}.text")
        if kind == "rating":
            low, high = question.get("min"), question.get("max")
            if not (type(low) is int and type(high) is int and low < high and high - low <= 10):
                raise _invalid(path, "needs whole min < max, at most 11 points")
        elif kind == "choice":
            options = question.get("options")
            if not isinstance(options, list) or len(options) < 2:
                raise _invalid(f"{path}.options", "needs at least two options")
            values = [
                option.get("value") if isinstance(option, dict) else None for option in options
            ]
            if not all(isinstance(value, str) and value for value in values) or len(
                set(values)
            ) != len(values):
                raise _invalid(f"{path}.options", "need unique non-empty values")
            for option_index, option in enumerate(options):
                _check_texts(option.get("text"), f"{path}.options.{option_index}.text")
        elif question.get("verbatim"):
            verbatims += 1
        seen[question_id] = question
    if questions[0]["type"] != "rating":
        raise _invalid("questions.0.type", "the first question must be the rating")
    if verbatims > 1:
        raise _invalid("questions", "at most one text question can be the verbatim")
    if not isinstance(rules, list):
        raise _invalid("rules", "must be a list")
    for index, rule in enumerate(rules):
        path = f"rules.{index}"
        condition = rule.get("if") if isinstance(rule, dict) else None
        if not isinstance(condition, dict) or condition.get("question") not in seen:
            raise _invalid(f"{path}.if.question", "must name a question")
        if condition.get("op") not in OPERATORS:
            raise _invalid(f"{path}.if.op", f"must be one of {sorted(OPERATORS)}")
        shown = rule.get("show")
        if not isinstance(shown, list) or not shown or any(name not in seen for name in shown):
            raise _invalid(f"{path}.show", "must list existing questions")
        order = list(seen)
        # Only later questions can depend on an answer: no cycles, and the page reads top down.
        if any(order.index(name) <= order.index(condition["question"]) for name in shown):
            raise _invalid(f"{path}.show", "may only show questions after the one it tests")


def visible_question_ids(
    questions: Sequence[Mapping], rules: Sequence[Mapping], answers: Mapping[str, Any]
) -> list[str]:
    """The questions to show, in order, given the answers so far."""
    conditional: dict[str, list[Mapping]] = {}
    for rule in rules:
        for name in rule["show"]:
            conditional.setdefault(name, []).append(rule["if"])
    visible = []
    for question in questions:
        conditions = conditional.get(question["id"])
        if conditions is None or any(_holds(condition, answers) for condition in conditions):
            visible.append(question["id"])
    return visible


def _holds(condition: Mapping, answers: Mapping[str, Any]) -> bool:
    answer = answers.get(condition["question"])
    if answer is None:
        return False
    try:
        return OPERATORS[condition["op"]](answer, condition["value"])
    except TypeError:  # a text answer compared with a number: the rule does not apply
        return False


def clean_answers(
    questions: Sequence[Mapping], rules: Sequence[Mapping], answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Answers checked against their questions; answers to hidden questions are dropped."""
    by_id = {question["id"]: question for question in questions}
    unknown = sorted(set(answers) - set(by_id))
    if unknown:
        raise InvalidInput(
            _("Unknown questions: %(names)s") % {"names": ", ".join(unknown)},
            fields={name: "unknown_question" for name in unknown},
        )
    cleaned: dict[str, Any] = {}
    for question_id in visible_question_ids(questions, rules, answers):
        value = answers.get(question_id)
        if value in (None, ""):
            continue
        question = by_id[question_id]
        if question["type"] == "rating":
            if type(value) is not int or not question["min"] <= value <= question["max"]:
                raise InvalidInput(
                    _("Choose a score from %(min)s to %(max)s") % question,
                    fields={question_id: "out_of_scale"},
                )
        elif question["type"] == "choice":
            if value not in {option["value"] for option in question["options"]}:
                raise InvalidInput(
                    _("Choose one of the options"), fields={question_id: "not_a_choice"}
                )
        else:
            if not isinstance(value, str):
                raise InvalidInput(_("The answer must be text"), fields={question_id: "not_text"})
            value = value.strip()[:MAX_TEXT_ANSWER]
        cleaned[question_id] = value
    return cleaned


def verbatim_of(questions: Sequence[Mapping], answers: Mapping[str, Any]) -> str:
    """The answer to the verbatim question, or ''."""
    for question in questions:
        if question["type"] == "text" and question.get("verbatim"):
            return str(answers.get(question["id"], ""))
    return ""


def localised(texts: Mapping[str, str]) -> str:
    """The text in the active language, Russian when it has none."""
    language = (get_language() or "ru")[:2]
    return texts.get(language) or texts["ru"]
