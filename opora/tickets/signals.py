"""Ticket domain events for other apps (SLA clocks, e-mail, surveys, analytics).

They are sent inside the transaction that made the change, so a receiver that writes data stays
consistent with it; a receiver with outside effects (mail, webhooks) wraps them in
transaction.on_commit so nothing goes out for a change that was rolled back.
"""

from django.dispatch import Signal

# kwargs: ticket, message (the first message), actor
ticket_created = Signal()
# kwargs: ticket, message, actor
message_added = Signal()
# kwargs: ticket, actor, changes: dict[field name, (old, new)]
ticket_changed = Signal()
