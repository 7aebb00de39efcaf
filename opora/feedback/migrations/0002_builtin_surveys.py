"""The built-in CSAT, CES and NPS surveys (PRODUCT.md 1C), in Russian and English.

The definitions are written out here rather than imported, so this migration keeps creating
exactly these versions whatever the code later looks like."""

from django.db import migrations


def texts(ru: str, en: str) -> dict:
    return {"ru": ru, "en": en}


COMMENT = {
    "id": "comment",
    "type": "text",
    "verbatim": True,
    "text": texts(
        "Хотите что-нибудь добавить? Мы читаем каждый отзыв.",
        "Anything you would like to add? We read every comment.",
    ),
}
WHAT_WENT_WRONG = {
    "id": "reason",
    "type": "choice",
    "text": texts("Что пошло не так?", "What went wrong?"),
    "options": [
        {"value": "speed", "text": texts("Слишком долго", "It took too long")},
        {"value": "outcome", "text": texts("Проблема не решена", "The problem is not solved")},
        {"value": "effort", "text": texts("Пришлось много раз обращаться", "I had to contact you many times")},
        {"value": "manner", "text": texts("Общение", "How I was treated")},
        {"value": "other", "text": texts("Другое", "Something else")},
    ],
}

BUILT_IN = [
    {
        "kind": "csat",
        "name": "Удовлетворённость обращением (CSAT)",
        "name_en": "Satisfaction with your request (CSAT)",
        "alert_at_or_below": 2,
        "questions": [
            {
                "id": "score",
                "type": "rating",
                "min": 1,
                "max": 5,
                "text": texts(
                    "Насколько вы удовлетворены решением вашего обращения? "
                    "(1 — совсем не удовлетворён, 5 — полностью удовлетворён)",
                    "How satisfied are you with how we handled your request? "
                    "(1 — very dissatisfied, 5 — very satisfied)",
                ),
            },
            WHAT_WENT_WRONG,
            COMMENT,
        ],
        "rules": [{"if": {"question": "score", "op": "<=", "value": 2}, "show": ["reason"]}],
    },
    {
        "kind": "ces",
        "name": "Лёгкость решения вопроса (CES)",
        "name_en": "Ease of getting your problem solved (CES)",
        "alert_at_or_below": 3,
        "questions": [
            {
                "id": "score",
                "type": "rating",
                "min": 1,
                "max": 7,
                "text": texts(
                    "Насколько легко было решить ваш вопрос? (1 — очень трудно, 7 — очень легко)",
                    "How easy was it to solve your problem? (1 — very difficult, 7 — very easy)",
                ),
            },
            WHAT_WENT_WRONG,
            COMMENT,
        ],
        "rules": [{"if": {"question": "score", "op": "<=", "value": 3}, "show": ["reason"]}],
    },
    {
        "kind": "nps",
        "name": "Готовность рекомендовать (NPS)",
        "name_en": "Likelihood to recommend (NPS)",
        "alert_at_or_below": 6,
        "questions": [
            {
                "id": "score",
                "type": "rating",
                "min": 0,
                "max": 10,
                "text": texts(
                    "Насколько вероятно, что вы порекомендуете нас друзьям или коллегам? "
                    "(0 — ни в коем случае, 10 — обязательно)",
                    "How likely are you to recommend us to a friend or colleague? "
                    "(0 — not at all likely, 10 — extremely likely)",
                ),
            },
            {
                "id": "comment",
                "type": "text",
                "verbatim": True,
                "text": texts(
                    "Что главное повлияло на вашу оценку?",
                    "What is the main reason for your score?",
                ),
            },
        ],
        "rules": [],
    },
]


def create(apps, schema_editor):
    Survey = apps.get_model("feedback", "Survey")
    SurveyVersion = apps.get_model("feedback", "SurveyVersion")
    for definition in BUILT_IN:
        survey = Survey.objects.create(
            kind=definition["kind"],
            audience="everyone",
            name=definition["name"],
            name_en=definition["name_en"],
            alert_at_or_below=definition["alert_at_or_below"],
        )
        SurveyVersion.objects.create(
            survey=survey, number=1, questions=definition["questions"], rules=definition["rules"]
        )


def remove(apps, schema_editor):
    Survey = apps.get_model("feedback", "Survey")
    SurveyVersion = apps.get_model("feedback", "SurveyVersion")
    kinds = [definition["kind"] for definition in BUILT_IN]
    SurveyVersion.objects.filter(survey__kind__in=kinds, survey__audience="everyone").delete()
    Survey.objects.filter(kind__in=kinds, audience="everyone").delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
