"""The QA panel on the ticket page: this ticket's reviews the user may see, and for reviewers a
link to the scoring form. Two queries at most."""

from django.http import HttpRequest

from opora.tickets.models import Ticket

from . import services


def panel(request: HttpRequest, ticket: Ticket) -> dict | None:
    user = request.user
    if not user.is_authenticated or not user.is_agent_like:
        return None
    reviews = list(services.visible_reviews(user).filter(ticket=ticket))
    reviewer = services.can_review(user) and ticket.assignee_id not in (None, user.pk)
    if not reviews and not reviewer:
        return None
    return {
        "template": "quality/_ticket_panel.html",
        "reviews": reviews,
        "can_score": reviewer,
        "ticket": ticket,
    }
