"""Demo engagement: a pulse survey with enough answers in the first line to show and too few in
the second (withheld), and a year of hires and leavers per team. Deterministic."""

import random
from datetime import datetime, timedelta

from opora.accounts.models import Role, Team

from .models import (
    MovementKind,
    PulseAnswer,
    PulseParticipation,
    PulseQuestion,
    PulseResponse,
    PulseSurvey,
    StaffMovement,
)

QUESTIONS = [
    "Я понимаю, что от меня ждут на работе",
    "У меня есть всё, чтобы хорошо помогать клиентам",
    "За последнюю неделю меня хвалили за хорошую работу",
    "Я рекомендую нашу команду как место работы",
]


def seed(now: datetime) -> str:
    rng = random.Random(42)
    teams = list(Team.objects.order_by("line", "pk"))
    if len(teams) < 2:
        return ""
    today = now.date()
    survey = PulseSurvey.objects.create(
        title="Пульс-опрос: как дела в команде?",
        opens_on=today - timedelta(days=7),
        closes_on=today + timedelta(days=7),
    )
    questions = [
        PulseQuestion.objects.create(survey=survey, text=text, position=i)
        for i, text in enumerate(QUESTIONS)
    ]
    # Real answers from the staff who have them, plus past colleagues' answers, so the first
    # line reaches the minimum group size and the second line stays below it.
    counts = {teams[0].pk: 6, teams[1].pk: 2}
    answered = 0
    for team in teams[:2]:
        members = list(team.members.filter(role=Role.AGENT).order_by("pk"))
        for index in range(counts[team.pk]):
            if index < len(members):
                PulseParticipation.objects.create(survey=survey, user=members[index])
            response = PulseResponse.objects.create(
                survey=survey, team=team, answered_on=today - timedelta(days=rng.randint(0, 6))
            )
            PulseAnswer.objects.bulk_create(
                PulseAnswer(response=response, question=q, value=rng.choice((3, 4, 4, 5, 5)))
                for q in questions
            )
            answered += 1
    movements = 0
    for team in teams:
        for member in team.members.order_by("pk"):
            StaffMovement.objects.create(
                team=team, user=member, kind=MovementKind.HIRE, on=today - timedelta(days=400)
            )
            movements += 1
        for _ in range(rng.randint(1, 3)):
            on = today - timedelta(days=rng.randint(10, 350))
            StaffMovement.objects.create(team=team, kind=MovementKind.HIRE, on=on, note="Стажёр")
            StaffMovement.objects.create(
                team=team, kind=MovementKind.LEAVE, on=on + timedelta(days=rng.randint(5, 60))
            )
            movements += 2
    return f"Seeded a pulse survey with {answered} anonymous answers and {movements} hires/leavers"
