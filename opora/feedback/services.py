"""Survey domain rules: who is invited when, how answers are recorded, and the closed loop.

Views, the API, tasks and signal receivers call these; none of them decide anything themselves.

A second click on a one-click link: until the customer submits the rest of the survey, a click
on another score changes the score of the same response (a mis-tap, or a mail scanner that
followed the first link, is corrected by the customer's real click); the same click twice changes
nothing. Once the survey is submitted the score is final and links only show the thanks page.
"""

import hashlib
from datetime import date, datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opora.accounts.models import Role, User
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition
from opora.customers.models import Customer, OrganisationKind
from opora.tickets import services as ticket_services
from opora.tickets.access import visible_tickets
from opora.tickets.models import MessageKind, Status, Ticket

from . import signing
from .conf import setting
from .models import (
    Audience,
    FollowUp,
    FollowUpStatus,
    Invitation,
    InvitationChannel,
    Response,
    Survey,
    SurveyExclusion,
    SurveyKind,
)
from .questions import clean_answers, localised, verbatim_of

# ---------------------------------------------------------------- who is asked


def audience_of(customer: Customer) -> str:
    organisation = customer.organisation
    if organisation is not None and organisation.kind == OrganisationKind.B2B:
        return Audience.PARTNERS
    return Audience.END_CUSTOMERS


def survey_for(kind: str, customer: Customer) -> Survey | None:
    return survey_for_audience(kind, audience_of(customer))


def survey_for_audience(kind: str, audience: str) -> Survey | None:
    """The active survey of ``kind`` for the audience, else the one for everyone."""
    candidates = Survey.objects.filter(
        kind=kind, is_active=True, audience__in=[audience, Audience.EVERYONE]
    )
    return min(candidates, key=lambda survey: survey.audience != audience, default=None)


def surveyable_customers(now: datetime) -> QuerySet[Customer]:
    """Customers who may get a survey now: reachable, not excluded, not asked recently."""
    recent = Invitation.objects.filter(
        customer=OuterRef("pk"),
        created_at__gt=now - timedelta(days=setting("OPORA_SURVEY_FATIGUE_DAYS")),
    )
    return (
        Customer.objects.exclude(email="", user__isnull=True)
        .exclude(survey_exclusion__isnull=False)
        .exclude(Exists(recent))
    )


def may_survey(customer: Customer, now: datetime) -> bool:
    return surveyable_customers(now).filter(pk=customer.pk).exists()


def invite(
    survey: Survey,
    customer: Customer,
    *,
    ticket: Ticket | None = None,
    now: datetime | None = None,
    channel: str | None = None,
) -> Invitation | None:
    """Offer the survey's current version, unless the fatigue rules say no. Call it inside a
    transaction; an e-mail invitation leaves after it commits. ``channel`` says where it is put
    to the customer (the chat widget asks at the end of the chat); by default by e-mail if there
    is an address, else in the portal."""
    now = now or timezone.now()
    version = survey.current_version()
    if version is None:
        return None
    # The customer's row lock makes two tickets solved at once still give one survey.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    if not may_survey(customer, now):
        return None
    if channel is None:
        channel = InvitationChannel.EMAIL if customer.email else InvitationChannel.PORTAL
    invitation = Invitation.objects.create(
        version=version,
        customer=customer,
        ticket=ticket,
        channel=channel,
        created_at=now,
        # A portal or widget survey is delivered by being there; mail counts as sent when it leaves.
        sent_at=None if channel == InvitationChannel.EMAIL else now,
        expires_at=now + timedelta(days=setting("OPORA_SURVEY_EXPIRY_DAYS")),
    )
    if invitation.channel == InvitationChannel.EMAIL:
        from .tasks import send_invitation

        transaction.on_commit(lambda: send_invitation.enqueue(invitation.pk))
    return invitation


def invite_after_solve(ticket: Ticket) -> Invitation | None:
    """The transactional survey for a solved ticket; none for merged or spam tickets."""
    if (
        ticket.merged_into_id
        or ticket.tags.filter(name__in=setting("OPORA_SURVEY_SKIP_TAGS")).exists()
    ):
        return None
    survey = survey_for(setting("OPORA_SURVEY_AFTER_SOLVE"), ticket.customer)
    return invite(survey, ticket.customer, ticket=ticket) if survey else None


def nps_slot(customer_id: int, period_days: int) -> int:
    """The day of the period on which a customer's NPS survey is due. A hash rather than
    id % period: ids handed out in strides (sequence caches, stepped imports) would pile onto
    a few days."""
    digest = hashlib.sha256(f"nps:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % period_days


def schedule_nps(today: date) -> list[Invitation]:
    """Invite the customers whose slot is today: each period's sends spread over its days."""
    survey_by_audience = {
        audience: survey_for_audience(SurveyKind.NPS, audience)
        for audience in (Audience.END_CUSTOMERS, Audience.PARTNERS)
    }
    period = setting("OPORA_NPS_PERIOD_DAYS")
    day_of_period = today.toordinal() % period
    now = timezone.now()
    invitations = []
    for customer in surveyable_customers(now).select_related("organisation").iterator():
        survey = survey_by_audience[audience_of(customer)]
        if survey is None or nps_slot(customer.pk, period) != day_of_period:
            continue
        with transaction.atomic():
            invitation = invite(survey, customer, now=now)
        if invitation is not None:
            invitations.append(invitation)
    return invitations


def schedule_nps_today() -> list[Invitation]:
    """For the periodic scheduler: running it again on the same day invites nobody twice (fatigue rule)."""
    return schedule_nps(timezone.localdate())


# ---------------------------------------------------------------- delivery


def public_url(path: str) -> str:
    return setting("OPORA_PUBLIC_URL").rstrip("/") + path


def score_paths(invitation: Invitation) -> list[tuple[int, str]]:
    """(score, signed one-click path) for every point of the rating scale."""
    question = invitation.version.score_question
    return [
        (score, reverse("feedback:answer", args=[signing.answer_token(invitation, score)]))
        for score in range(question["min"], question["max"] + 1)
    ]


def build_invitation_mail(invitation: Invitation, *, reminder: bool) -> EmailMultiAlternatives:
    customer = invitation.customer
    with translation.override(customer.language or "ru"):
        context = {
            "invitation": invitation,
            "customer": customer,
            "ticket": invitation.ticket,
            "question": localised(invitation.version.score_question["text"]),
            "links": [(score, public_url(path)) for score, path in score_paths(invitation)],
            "survey_url": public_url(
                reverse("feedback:survey", args=[signing.survey_token(invitation)])
            ),
            "reminder": reminder,
        }
        subject = invitation.survey.label
        if reminder:
            subject = _("Reminder: %(survey)s") % {"survey": subject}
        if invitation.ticket_id:
            subject = f"{subject} {invitation.ticket.reference}"
        text = render_to_string("feedback/email/invitation.txt", context)
        html = render_to_string("feedback/email/invitation.html", context)
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[customer.email],
        headers={"Auto-Submitted": "auto-generated", "X-Opora-Survey": str(invitation.pk)},
    )
    mail.attach_alternative(html, "text/html")
    return mail


def deliver_invitation(invitation_id: int, *, reminder: bool = False) -> bool:
    """Send the invitation (or its one reminder). Safe to run twice: it sends once."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("customer", "ticket", "version__survey")
            .get(pk=invitation_id)
        )
        already = invitation.reminded_at if reminder else invitation.sent_at
        if (
            already
            or invitation.answered_at
            or invitation.is_expired
            or not invitation.customer.email
        ):
            return False
        build_invitation_mail(invitation, reminder=reminder).send()
        if reminder:
            invitation.reminded_at = timezone.now()
        else:
            invitation.sent_at = timezone.now()
        invitation.save(update_fields=["reminded_at", "sent_at"])
    return True


def due_reminders(now: datetime) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        channel=InvitationChannel.EMAIL,
        sent_at__lte=now - timedelta(days=setting("OPORA_SURVEY_REMINDER_DAYS")),
        reminded_at__isnull=True,
        answered_at__isnull=True,
        expires_at__gt=now,
    )


def send_reminders(now: datetime | None = None) -> int:
    return sum(
        deliver_invitation(pk, reminder=True)
        for pk in due_reminders(now or timezone.now()).values_list("pk", flat=True)
    )


def portal_invitations(customer: Customer) -> QuerySet[Invitation]:
    """Open surveys about the customer's solved tickets, for the portal prompt."""
    return (
        Invitation.objects.filter(
            customer=customer,
            ticket__isnull=False,
            expires_at__gt=timezone.now(),
        )
        .filter(Q(response__isnull=True) | Q(response__completed_at__isnull=True))
        .select_related("ticket", "version__survey")
    )


# ---------------------------------------------------------------- answers


def claimed_invitation(token: str, *, with_score: bool) -> tuple[Invitation, int | None]:
    """The invitation a signed link is for, and the score it carries; ``NotFound`` otherwise."""
    claim = signing.read_token(token, with_score=with_score)
    invitation = (
        Invitation.objects.select_related("version__survey", "customer", "ticket")
        .filter(pk=claim.invitation_id, nonce=claim.nonce)
        .first()
    )
    if invitation is None or invitation.is_expired:
        raise signing.refused_link()
    return invitation, claim.score


@transaction.atomic
def record_score(invitation: Invitation, score: int) -> Response:
    """The one-click answer (see the module docstring for what a second click does)."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("version__survey")
        .get(pk=invitation.pk)
    )
    question = invitation.version.score_question
    answers = clean_answers(invitation.version.questions, [], {question["id"]: score})
    now = timezone.now()
    response = Response.objects.filter(invitation=invitation).first()
    if response is None:
        response = Response.objects.create(
            invitation=invitation,
            version=invitation.version,
            kind=invitation.survey.kind,
            score=score,
            answers=answers,
            created_at=now,
        )
        invitation.answered_at = now
        invitation.save(update_fields=["answered_at"])
    elif response.completed_at is None and response.score != score:
        response.score = score
        response.answers = {**response.answers, **answers}
        response.save(update_fields=["score", "answers"])
    else:
        return response
    close_loop(response)
    return response


@transaction.atomic
def complete_survey(invitation: Invitation, answers: dict) -> Response:
    """The rest of the survey (and the score, for front-ends that skip the one-click link)."""
    version = invitation.version
    score_id = version.score_question["id"]
    response = Response.objects.filter(invitation=invitation).first()
    if response is not None and response.completed_at is not None:
        raise InvalidTransition(_("This survey has already been answered"), code="already_answered")
    if score_id in answers:
        response = record_score(invitation, answers[score_id])
    if response is None:
        raise InvalidInput(_("Choose a score first"), fields={score_id: "required"})
    cleaned = clean_answers(version.questions, version.rules, {**answers, score_id: response.score})
    response.answers = cleaned
    response.comment = verbatim_of(version.questions, cleaned)
    response.completed_at = timezone.now()
    response.save(update_fields=["answers", "comment", "completed_at"])
    return response


# ---------------------------------------------------------------- the closed loop


def follow_up_owner(ticket: Ticket | None) -> User | None:
    """The ticket team's lead; without one, the longest-standing active manager."""
    if ticket is not None and ticket.team_id and ticket.team.lead_id and ticket.team.lead.is_active:
        return ticket.team.lead
    return User.objects.filter(role=Role.MANAGER, is_active=True).order_by("pk").first()


def close_loop(response: Response) -> FollowUp | None:
    """A score at or below the survey's threshold opens one follow-up and notes it on the ticket."""
    threshold = response.version.survey.alert_at_or_below
    if threshold is None or response.score > threshold or hasattr(response, "follow_up"):
        return None
    ticket = response.invitation.ticket
    follow_up = FollowUp.objects.create(
        response=response,
        ticket=ticket,
        owner=follow_up_owner(ticket),
        due_at=timezone.now() + timedelta(days=setting("OPORA_FOLLOW_UP_DAYS")),
    )
    # A closed ticket takes no more notes; the follow-up itself still carries the alert.
    if ticket is not None and ticket.status != Status.CLOSED:
        ticket_services.add_message(
            ticket,
            ticket_services.Actor(via="survey"),
            _(
                "Survey «%(survey)s»: the customer scored %(score)s. A follow-up is assigned to %(owner)s."
            )
            % {
                "survey": response.version.survey.label,
                "score": response.score,
                "owner": follow_up.owner or _("nobody (no manager found)"),
            },
            kind=MessageKind.NOTE,
        )
    return follow_up


def may_close(user: User, follow_up: FollowUp) -> bool:
    return user.role in {Role.ADMIN, Role.MANAGER} or follow_up.owner_id == user.pk


@transaction.atomic
def close_follow_up(follow_up: FollowUp, user: User, outcome: str) -> FollowUp:
    if not may_close(user, follow_up):
        raise Forbidden(_("Only the owner or a manager may close this follow-up"))
    outcome = (outcome or "").strip()
    if not outcome:
        raise InvalidInput(_("Describe the outcome"), fields={"outcome": "required"})
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.status == FollowUpStatus.DONE:
        raise InvalidTransition(_("This follow-up is already closed"))
    follow_up.status = FollowUpStatus.DONE
    follow_up.outcome = outcome
    follow_up.closed_at = timezone.now()
    follow_up.save(update_fields=["status", "outcome", "closed_at"])
    return follow_up


# ---------------------------------------------------------------- who sees what


def _visible_through_ticket(user: User, rows: QuerySet, ticket_path: str) -> QuerySet:
    """Staff see rows about tickets they may see; relationship (ticketless) surveys are for
    managers and those who see every ticket. Customers see none here."""
    if not user.is_authenticated or not user.is_agent_like:
        return rows.none()
    if user.sees_every_ticket:
        return rows
    return rows.filter(**{f"{ticket_path}__in": visible_tickets(user)})


def visible_responses(user: User) -> QuerySet[Response]:
    return _visible_through_ticket(user, Response.objects.all(), "invitation__ticket")


def visible_invitations(user: User) -> QuerySet[Invitation]:
    return _visible_through_ticket(user, Invitation.objects.all(), "ticket")


def visible_follow_ups(user: User) -> QuerySet[FollowUp]:
    follow_ups = FollowUp.objects.select_related("ticket", "owner", "response__version__survey")
    if not user.is_authenticated or not user.is_agent_like:
        return follow_ups.none()
    if user.sees_every_ticket:
        return follow_ups
    return follow_ups.filter(Q(owner=user) | Q(ticket__in=visible_tickets(user)))


def exclude_from_surveys(customer: Customer, reason: str) -> SurveyExclusion:
    exclusion, _created = SurveyExclusion.objects.update_or_create(
        customer=customer, defaults={"reason": reason}
    )
    return exclusion
