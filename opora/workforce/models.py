"""Stored forecasts, so that forecast and actual can be compared once the week has passed."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.tickets.models import Channel, ContactReason


class ForecastRun(models.Model):
    """One forecast of contact volume per interval, as it was made, with its backtest."""

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Empty: every channel; a reason includes its sub-reasons.
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    reason = models.ForeignKey(
        ContactReason,
        verbose_name=_("contact reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    interval_minutes = models.PositiveSmallIntegerField(_("interval, minutes"))
    model_name = models.CharField(_("model"), max_length=80)
    # Backtest over the held-out weeks before the run; NULL where undefined (no contacts).
    backtest_wape = models.FloatField(_("backtest WAPE"), null=True)
    backtest_mape = models.FloatField(_("backtest MAPE"), null=True)
    baseline_wape = models.FloatField(_("seasonal-naive WAPE"), null=True)
    baseline_mape = models.FloatField(_("seasonal-naive MAPE"), null=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("forecast run")
        verbose_name_plural = _("forecast runs")

    def __str__(self) -> str:
        return f"{self.model_name} @ {self.created_at:%Y-%m-%d %H:%M}"


class ForecastInterval(models.Model):
    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="intervals")
    starts_at = models.DateTimeField(_("starts"))
    forecast = models.FloatField(_("forecast"))
    lower = models.FloatField(_("lower bound"))
    upper = models.FloatField(_("upper bound"))
    # Filled from the ticket history once the interval has ended.
    actual = models.FloatField(_("actual"), null=True, blank=True)

    class Meta:
        ordering = ["run", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["run", "starts_at"], name="workforce_interval_once")
        ]
        indexes = [models.Index(fields=["actual", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}: {self.forecast:.1f}"
