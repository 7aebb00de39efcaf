"""Anonymous pulse surveys for staff, and hires/leavers per team for turnover."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PulseSurvey(models.Model):
    title = models.CharField(_("title"), max_length=200)
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes"))
    # Teams asked; empty: every team.
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_on", "-pk"]
        verbose_name = _("pulse survey")
        verbose_name_plural = _("pulse surveys")

    def __str__(self) -> str:
        return self.title


class PulseQuestion(models.Model):
    survey = models.ForeignKey(PulseSurvey, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class PulseParticipation(models.Model):
    """Who has answered, so nobody answers twice. Deliberately holds no time and no link to the
    response: the two cannot be joined back together."""

    survey = models.ForeignKey(PulseSurvey, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="people_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.survey_id}"


class PulseResponse(models.Model):
    """One anonymous answer sheet: the team only. A random id and a date without a time, so
    neither insertion order nor timestamps line it up with the participation rows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(PulseSurvey, on_delete=models.CASCADE, related_name="responses")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    answered_on = models.DateField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.team_id}"


class PulseAnswer(models.Model):
    response = models.ForeignKey(PulseResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(PulseQuestion, on_delete=models.CASCADE, related_name="answers")
    value = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="people_answer_cell")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value}"


class MovementKind(models.TextChoices):
    HIRE = "hire", _("Joined")
    LEAVE = "leave", _("Left")


class StaffMovement(models.Model):
    """Someone joined or left a team on a date: the source of headcount and turnover."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=5, choices=MovementKind.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-on", "-pk"]
        indexes = [models.Index(fields=["team", "on"])]
        verbose_name = _("hire or leaver")
        verbose_name_plural = _("hires and leavers")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.team_id} {self.on}"
