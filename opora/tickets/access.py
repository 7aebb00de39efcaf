"""Who may see and do what with tickets. Every view and endpoint fetches tickets through here."""

from django.db.models import Q
from django.utils.translation import gettext as _

from opora.accounts.models import Role, Team, User
from opora.core.errors import Forbidden, NotFound
from opora.customers.models import Customer

from .models import Ticket, TicketQuerySet


def customer_of(user: User) -> Customer | None:
    if user.role != Role.CUSTOMER:
        return None
    try:
        return user.customer
    except Customer.DoesNotExist:
        return None


def visible_tickets(user: User) -> TicketQuerySet:
    """The tickets a user may read: never more."""
    tickets = Ticket.objects.all()
    if not user.is_authenticated or not user.is_active:
        return tickets.none()
    if user.role == Role.CUSTOMER:
        customer = customer_of(user)
        if customer is None:
            return tickets.none()
        allowed = Q(customer=customer)
        if customer.organisation_id and customer.organisation.shared_tickets:
            allowed |= Q(organisation_id=customer.organisation_id)
        return tickets.filter(allowed)
    if user.sees_every_ticket:
        return tickets
    # Subqueries, not joins: a join through team members would repeat each ticket once per member.
    my_teams = Team.members.through.objects.filter(user=user).values("team_id")
    collaborating = Ticket.collaborators.through.objects.filter(user=user).values("ticket_id")
    return tickets.filter(Q(team_id__in=my_teams) | Q(assignee=user) | Q(pk__in=collaborating))


def get_visible_ticket(user: User, pk: int) -> Ticket:
    """A ticket the user may read; a forbidden ticket looks exactly like a missing one."""
    ticket = (
        visible_tickets(user)
        .filter(pk=pk)
        .select_related(
            "customer",
            "customer__organisation",
            "organisation",
            "team",
            "assignee",
            "reason",
            "reason__parent",
        )
        .first()
    )
    if ticket is None:
        raise NotFound(_("Ticket #%(number)s not found") % {"number": pk})
    return ticket


def require_staff(user: User) -> None:
    if not (user.is_authenticated and user.is_agent_like):
        raise Forbidden(_("Only support staff may do this"))


def require_can_edit(user: User) -> None:
    """Full agents and above change ticket fields; light agents only add notes."""
    if not (user.is_authenticated and user.can_reply_publicly):
        raise Forbidden(_("Your role cannot change tickets"))


def visible_customers(user: User):
    """Staff see the customer directory (to take a call from anyone); customers see none of it.

    Which of a customer's tickets show is still decided by visible_tickets."""
    if not user.is_authenticated or not user.is_agent_like:
        return Customer.objects.none()
    return Customer.objects.select_related("organisation")
