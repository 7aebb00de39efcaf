"""People who work in Opora (agents, leads, admins) and customers' portal logins, plus teams."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager / team lead")
    AGENT = "agent", _("Agent")
    LIGHT_AGENT = "light_agent", _("Light agent (collaborator)")
    CUSTOMER = "customer", _("Customer")


STAFF_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT, Role.LIGHT_AGENT})


class SupportLine(models.IntegerChoices):
    FIRST = 1, _("1st line")
    SECOND = 2, _("2nd line")
    THIRD = 3, _("3rd line")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CUSTOMER)
    language = models.CharField(_("language"), max_length=8, default="ru")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    # Agents see their teams' tickets; this grants every team's (e.g. a supervisor on nights).
    sees_all_tickets = models.BooleanField(_("sees all tickets"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_agent_like(self) -> bool:
        """Works inside the help desk (anyone but a customer)."""
        return self.role in STAFF_ROLES

    @property
    def can_reply_publicly(self) -> bool:
        return self.role in {Role.ADMIN, Role.MANAGER, Role.AGENT}

    @property
    def sees_every_ticket(self) -> bool:
        return self.role in {Role.ADMIN, Role.MANAGER} or self.sees_all_tickets

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    line = models.PositiveSmallIntegerField(
        _("support line"), choices=SupportLine.choices, default=SupportLine.FIRST
    )
    area = models.CharField(_("area of responsibility"), max_length=200, blank=True)
    lead = models.ForeignKey(
        User,
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        User, verbose_name=_("members"), related_name="teams", blank=True
    )
    # New tickets that no rule places land here.
    is_default = models.BooleanField(_("default team for new tickets"), default=False)

    class Meta:
        ordering = ["line", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its hash is stored; the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def set_new_key(self) -> str:
        """Give the token a fresh random key; returns the raw key, which is never stored."""
        raw = "opora_" + secrets.token_urlsafe(32)
        self.key_hash = hash_token(raw)
        self.prefix = raw[6:14]
        return raw

    @classmethod
    def issue(cls, user: User, name: str) -> tuple["ApiToken", str]:
        token = cls(user=user, name=name)
        raw = token.set_new_key()
        token.save()
        return token, raw

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
