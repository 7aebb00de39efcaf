from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .ingest import ingest
from .models import EmailEnvelope, InboundMail, InboundStatus, Mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("address", "name", "team", "imap_host", "auth_method", "is_active")


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    """Every message as received; the quarantine is this list filtered by status."""

    list_display = ("received_at", "sender", "subject", "status", "reason", "ticket")
    list_filter = ("status", "received_via")
    search_fields = ("sender", "subject", "message_id")
    readonly_fields = [f.name for f in InboundMail._meta.fields if f.name != "raw"]
    exclude = ("raw",)
    actions = ["reprocess"]

    @admin.action(description=_("Process again (after fixing the cause)"))
    def reprocess(self, request, queryset):
        for inbound in queryset.filter(status=InboundStatus.QUARANTINED):
            raw = bytes(inbound.raw)
            inbound.delete()
            result = ingest(
                raw,
                via=inbound.received_via,
                mailbox=inbound.mailbox.address if inbound.mailbox else "",
            )
            messages.info(
                request, f"{inbound.subject or inbound.pk}: {result.status} {result.reason}"
            )


@admin.register(EmailEnvelope)
class EmailEnvelopeAdmin(admin.ModelAdmin):
    list_display = ("rfc_message_id", "direction", "recipient", "delivery", "attempts", "sent_at")
    list_filter = ("direction", "delivery")
    readonly_fields = (
        "message",
        "rfc_message_id",
        "direction",
        "recipient",
        "delivery",
        "attempts",
        "last_error",
        "sent_at",
    )
