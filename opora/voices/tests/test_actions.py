"""Acting on a mention (reason, ticket, improvement item), the merged verbatim stream, and
forbidden access tried on every page and endpoint."""

import pytest
from django.utils import timezone

from opora.feedback.models import Response
from opora.tickets.models import Channel, ContactReason, TicketType
from opora.voices import adapters, services
from opora.voices.models import Mention

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(site, carol):
    services.import_mentions(
        site,
        [
            adapters.MentionDraft(
                "Ужасная поддержка, ждал неделю",
                timezone.now(),
                "c1",
                author_name="Гость",
                url="https://otzovik.example/c1",
            )
        ],
    )
    return Mention.objects.get()


def test_create_ticket_answers_a_public_complaint_once(complaint, anna, client_for):
    response = client_for(anna).post(f"/voices/{complaint.pk}/ticket/")
    complaint.refresh_from_db()
    ticket = complaint.ticket
    assert response.url == f"/desk/tickets/{ticket.pk}/" or response.status_code == 302
    assert (ticket.channel, ticket.type, ticket.assignee) == (
        Channel.API,
        TicketType.COMPLAINT,
        anna,
    )
    assert ticket.customer.name == "Гость" and complaint.customer == ticket.customer
    assert set(ticket.tags.values_list("name", flat=True)) == {"outside-voice", "otzovik"}
    assert ticket.audit_events.filter(field="mention").exists()
    client_for(anna).post(f"/voices/{complaint.pk}/ticket/")
    assert type(ticket).objects.filter(mentions=complaint).count() == 1


def test_reason_and_improvement_item(complaint, lead, anna, api_as):
    reason = ContactReason.objects.create(name="Скорость", name_en="Speed")
    assert (
        api_as(anna)
        .post(f"/voices/mentions/{complaint.pk}/reason", {"reason_id": reason.pk})
        .json()["reason_id"]
        == reason.pk
    )
    assert services.reason_summary(Mention.objects.all()) == [
        {
            "reason_id": reason.pk,
            "reason__name": "Скорость",
            "reason__name_en": "Speed",
            "total": 1,
            "negative": 1,
        }
    ]
    assert api_as(anna).post(f"/voices/mentions/{complaint.pk}/improvement").status_code == 403
    made = api_as(lead).post(f"/voices/mentions/{complaint.pk}/improvement")
    assert made.status_code == 200
    again = api_as(lead).post(f"/voices/mentions/{complaint.pk}/improvement")
    assert again.json() == made.json()  # the backlog returns the same item for the same source


def test_stream_merges_survey_comments_and_mentions_by_date(
    complaint, lead, client_for, make_ticket, carol, django_assert_max_num_queries
):
    from opora.feedback.models import Invitation, Survey, SurveyKind

    survey = Survey.objects.filter(kind=SurveyKind.CSAT).first()
    ticket = make_ticket(carol)
    version = survey.versions.order_by("-number").first()
    invitation = Invitation.objects.create(
        version=version,
        customer=carol,
        ticket=ticket,
        channel="email",
        expires_at=timezone.now() + timezone.timedelta(days=1),
    )
    older = timezone.now() - timezone.timedelta(days=2)
    Response.objects.create(
        invitation=invitation,
        version=version,
        kind="csat",
        score=2,
        comment="Too slow",
        answers={},
        created_at=older,
    )
    rows = list(services.stream_entries(lead))
    assert [kind for kind, _pk, _at in rows] == ["mention", "survey"]
    desk = client_for(lead)
    desk.get("/voices/stream/")
    with django_assert_max_num_queries(10):
        page = desk.get("/voices/stream/")
    body = page.content.decode()
    assert body.index("Ужасная поддержка") < body.index("Too slow")


def test_forbidden_access_is_refused(complaint, carol, client_for, api_as, client, lena):
    for path in ("/voices/", "/voices/stream/", f"/voices/{complaint.pk}/", "/voices/import/"):
        assert client_for(carol.user).get(path).status_code == 403
        assert client.get(path).status_code == 302
    for path in ("reason", "ticket", "improvement"):
        assert client_for(carol.user).post(f"/voices/{complaint.pk}/{path}/").status_code == 403
    assert api_as(carol.user).get("/voices/mentions").status_code == 403
    assert api_as(carol.user).get(f"/voices/mentions/{complaint.pk}").status_code == 403
    assert api_as(carol.user).post(f"/voices/mentions/{complaint.pk}/ticket").status_code == 403
    assert api_as(None).get("/voices/mentions").status_code == 401
    # A light agent reads mentions but cannot open a ticket that replies to the public.
    assert api_as(lena).post(f"/voices/mentions/{complaint.pk}/ticket").status_code == 403
    complaint.refresh_from_db()
    assert complaint.ticket_id is None


def test_mentions_page_keeps_its_query_count(site, lead, client_for, django_assert_max_num_queries):
    drafts = [
        adapters.MentionDraft(f"Отличный сервис номер {n}", timezone.now(), f"id{n}")
        for n in range(10)
    ]
    services.import_mentions(site, drafts)
    desk = client_for(lead)
    desk.get("/voices/")
    with django_assert_max_num_queries(12):
        page = desk.get("/voices/")
    assert page.content.decode().count("Отличный сервис") == 10
