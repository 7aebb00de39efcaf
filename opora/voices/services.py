"""Outside voices: importing mentions once, scoring and linking them, the merged verbatim
stream, and acting on a mention (contact reason, ticket, improvement item)."""

import hashlib
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, F, Q, QuerySet, Value
from django.utils.translation import gettext as _

from opora.accounts.models import User
from opora.core.errors import Forbidden
from opora.customers.models import Customer
from opora.feedback.models import Response
from opora.feedback.services import visible_responses
from opora.improvements import services as improvement_services
from opora.improvements.models import SourceKind
from opora.tickets import services as ticket_services
from opora.tickets.models import AuditAction, Channel, ContactReason, Ticket, TicketType

from . import sentiment
from .adapters import MentionDraft
from .models import CustomerHandle, Mention, SentimentLabel, Source

SPACES = re.compile(r"\s+")

# ---------------------------------------------------------------- who may do what


def require_staff(user: User) -> None:
    if not (user.is_authenticated and user.is_agent_like):
        raise Forbidden(_("Only support staff may see outside voices"))


def require_importer(user: User) -> None:
    """Importing and webhook secrets are for leads and managers."""
    if not improvement_services.is_lead(user):
        raise Forbidden(_("Only a team lead or a manager may import mentions"))


def visible_mentions(user: User) -> QuerySet[Mention]:
    # Mentions are public posts: every member of staff may read them; customers none.
    if not (user.is_authenticated and user.is_active and user.is_agent_like):
        return Mention.objects.none()
    return Mention.objects.select_related("source", "customer", "reason", "ticket")


# ---------------------------------------------------------------- import


def content_hash(text: str) -> str:
    """The same words with different spacing or case are the same mention."""
    normalised = SPACES.sub(" ", text.casefold()).strip()
    return hashlib.sha256(normalised.encode()).hexdigest()


def match_customer(draft: MentionDraft) -> Customer | None:
    if draft.author_email:
        customer = Customer.objects.with_email(draft.author_email).first()
        if customer:
            return customer
    handle = draft.author_handle.strip().lstrip("@").lower()
    if handle:
        link = CustomerHandle.objects.filter(handle=handle).select_related("customer").first()
        if link:
            return link.customer
    return None


@dataclass(frozen=True)
class ImportResult:
    created: int
    duplicates: int


def import_mentions(source: Source, drafts: list[MentionDraft]) -> ImportResult:
    """Store the new mentions; the ones we already hold (same source and id, or same text) are
    counted and skipped. Safe to repeat and to run concurrently: the unique constraints decide."""
    created = duplicates = 0
    with transaction.atomic():
        for draft in drafts:
            digest = content_hash(draft.text)
            seen = Mention.objects.filter(content_hash=digest)
            if draft.external_id:
                seen = Mention.objects.filter(
                    Q(content_hash=digest) | Q(source=source, external_id=draft.external_id)
                )
            if seen.exists():
                duplicates += 1
                continue
            scored = sentiment.analyse(draft.text, draft.language)
            try:
                with transaction.atomic():
                    Mention.objects.create(
                        source=source,
                        external_id=draft.external_id,
                        content_hash=digest,
                        text=draft.text,
                        url=draft.url,
                        author_name=draft.author_name,
                        author_handle=draft.author_handle,
                        author_email=draft.author_email,
                        rating=draft.rating,
                        language=scored.language,
                        sentiment=scored.score,
                        sentiment_label=scored.label,
                        published_at=draft.published_at,
                        customer=match_customer(draft),
                    )
            except IntegrityError:
                duplicates += 1  # a concurrent import stored it first
                continue
            created += 1
    return ImportResult(created, duplicates)


# ---------------------------------------------------------------- acting on a mention


@transaction.atomic
def set_reason(mention: Mention, user: User, reason: ContactReason | None) -> Mention:
    require_staff(user)
    mention.reason = reason
    mention.handled_by = user
    mention.save(update_fields=["reason", "handled_by"])
    return mention


def _customer_for(mention: Mention) -> Customer:
    if mention.customer_id:
        return mention.customer
    email = mention.author_email
    if email and Customer.objects.with_email(email).exists():
        email = ""  # taken since the import by someone we would then mix up
    name = mention.author_name or mention.author_handle or mention.source.name
    return Customer.objects.create(name=name[:200], email=email)


@transaction.atomic
def create_ticket(mention: Mention, user: User) -> Ticket:
    """A public complaint gets an owner: a ticket on the API channel (the words came in through
    an integration, not our web form), assigned to the agent who took it. Once per mention."""
    if not (user.is_authenticated and user.is_agent_like and user.can_reply_publicly):
        raise Forbidden(_("Only agents who reply to customers may open a ticket from a mention"))
    mention = (
        Mention.objects.select_for_update(of=("self",))
        .select_related("source", "customer")
        .get(pk=mention.pk)
    )
    if mention.ticket_id:
        return mention.ticket
    customer = _customer_for(mention)
    body = mention.text + (f"\n\n{mention.url}" if mention.url else "")
    ticket = ticket_services.create_ticket(
        ticket_services.NewTicket(
            customer=customer,
            subject=f"{mention.source.name}: {mention.text[:80]}",
            body=body,
            channel=Channel.API,
            type=TicketType.COMPLAINT
            if mention.sentiment_label == SentimentLabel.NEGATIVE
            else TicketType.QUESTION,
            reason=mention.reason,
            assignee=user,
            tags=["outside-voice", mention.source.slug],
        ),
        # The customer's own words open the ticket; the audit line below names the agent.
        ticket_services.Actor(customer=customer, via="voices"),
    )
    ticket_services.audit(
        ticket,
        ticket_services.Actor(user=user, via="voices"),
        AuditAction.LINKED,
        "mention",
        "",
        mention.pk,
    )
    mention.ticket = ticket
    mention.customer = customer
    mention.handled_by = user
    mention.save(update_fields=["ticket", "customer", "handled_by"])
    return ticket


@transaction.atomic
def create_improvement(mention: Mention, user: User):
    """Put what the mention exposes on the improvement backlog (once per mention)."""
    improvement_services.require_lead(user)
    mention = (
        Mention.objects.select_for_update(of=("self",))
        .select_related("source", "reason", "ticket")
        .get(pk=mention.pk)
    )
    item = improvement_services.create_item(
        SourceKind.VOICE,
        str(mention.pk),
        mention.text[:120],
        description=_("From %(source)s: %(url)s")
        % {"source": mention.source.name, "url": mention.url or "—"},
        created_by=user,
        tickets=[mention.ticket] if mention.ticket_id else [],
        reasons=[mention.reason] if mention.reason_id else [],
    )
    mention.improvement_item_id = item.pk
    mention.save(update_fields=["improvement_item_id"])
    return item


# ---------------------------------------------------------------- reading


def stream_entries(user: User) -> QuerySet:
    """Survey comments the user may see and mentions, newest first, as (kind, pk, at) rows in
    one SQL union, so paging is done by the database."""
    comments = (
        visible_responses(user)
        .exclude(comment="")
        .annotate(entry=Value("survey", output_field=CharField()), at=F("created_at"))
        .order_by()
        .values_list("entry", "pk", "at")
    )
    mentions = (
        visible_mentions(user)
        .annotate(entry=Value("mention", output_field=CharField()), at=F("published_at"))
        .order_by()
        .values_list("entry", "pk", "at")
    )
    return comments.union(mentions, all=True).order_by("-at", "-pk")


def stream_page(rows) -> list:
    """The objects behind one page of stream_entries, in order, in two queries."""
    survey_ids = [pk for kind, pk, _at in rows if kind == "survey"]
    mention_ids = [pk for kind, pk, _at in rows if kind == "mention"]
    responses = Response.objects.select_related(
        "invitation__ticket", "invitation__customer", "version__survey"
    ).in_bulk(survey_ids)
    mentions = Mention.objects.select_related("source", "customer", "ticket").in_bulk(mention_ids)
    return [
        ("survey", responses[pk]) if kind == "survey" else ("mention", mentions[pk])
        for kind, pk, _at in rows
        if pk in (responses if kind == "survey" else mentions)
    ]


def reason_summary(mentions: QuerySet[Mention]) -> list[dict]:
    """Mentions per contact reason with how many were negative, for contact-reason analytics."""
    return list(
        mentions.filter(reason__isnull=False)
        .values("reason_id", "reason__name", "reason__name_en")
        .annotate(
            total=Count("pk"),
            negative=Count("pk", filter=Q(sentiment_label=SentimentLabel.NEGATIVE)),
        )
        .order_by("-total")
    )
