"""The survey lifecycle: invitation on solve, one-click answer, the rest of the survey,
refused links, fatigue, exclusions, reminders, and the closed loop."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.utils import timezone

from opora.core.errors import InvalidTransition
from opora.feedback import services
from opora.feedback import signing as survey_signing
from opora.feedback.models import (
    FollowUp,
    FollowUpStatus,
    Invitation,
    Response,
    SurveyKind,
    SurveyVersion,
)
from opora.tickets import services as ticket_services
from opora.tickets.models import Message, MessageKind

from .conftest import invitation_of, last_links

pytestmark = pytest.mark.django_db


def test_solving_a_ticket_sends_one_csat_mail_whose_link_records_the_score(
    make_ticket, carol, solve, client
):
    ticket = make_ticket(carol)
    solve(ticket)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [carol.email]
    assert ticket.reference in message.subject
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    links = last_links()
    assert sorted(links) == [1, 2, 3, 4, 5]

    page = client.get(links[4])
    assert page.status_code == 302 and page.url.startswith("/feedback/s/")
    response = Response.objects.get()
    assert (response.kind, response.score, response.invitation.ticket) == ("csat", 4, ticket)
    assert invitation_of(ticket).answered_at is not None
    assert invitation_of(ticket).sent_at is not None

    survey_page = client.get(page.url)
    assert survey_page.status_code == 200
    client.post(page.url, {"q_score": "4", "q_comment": "Quick and kind"})
    response.refresh_from_db()
    assert response.comment == "Quick and kind" and response.completed_at is not None


def test_a_second_click_updates_the_same_response_until_the_survey_is_submitted(
    make_ticket, carol, solve, client
):
    solve(make_ticket(carol))
    links = last_links()
    client.get(links[1])  # a mail scanner, or a mis-tap
    client.get(links[5])
    client.get(links[5])
    assert list(Response.objects.values_list("score", flat=True)) == [5]

    survey_url = client.get(links[5]).url
    client.post(survey_url, {"q_score": "5", "q_comment": "Great"})
    client.get(links[2])
    assert list(Response.objects.values_list("score", "comment")) == [(5, "Great")]


def test_branching_shows_the_reason_question_only_after_a_low_score(
    make_ticket, carol, solve, client
):
    solve(make_ticket(carol))
    links = last_links()
    assert "q_reason" not in client.get(client.get(links[5]).url).content.decode()
    assert "q_reason" in client.get(client.get(links[2]).url).content.decode()


def test_forged_expired_revoked_and_wrong_kind_links_are_refused(
    make_ticket, carol, dave, solve, client
):
    solve(make_ticket(carol))
    carol_links = last_links()
    solve(make_ticket(dave, subject="Dave's"))
    dave_invitation = Invitation.objects.get(customer=dave)

    token = carol_links[5].split("/")[3]
    forged = signing.dumps({"i": dave_invitation.pk, "n": "guess", "s": 5}, salt="wrong")
    payload = signing.loads(token, salt=survey_signing.ANSWER_SALT)
    rescored = token.replace(token.split(":")[0], signing.dumps({**payload, "s": 1}).split(":")[0])
    for path in (
        f"/feedback/a/{forged}/",
        f"/feedback/a/{rescored}/",
        f"/feedback/a/{token[:-2]}xx/",
        # A survey-page token is not a one-click answer.
        f"/feedback/a/{survey_signing.survey_token(dave_invitation)}/",
    ):
        assert client.get(path).status_code == 404, path
    assert not Response.objects.exists()

    # Signed a month ago: past the expiry.
    later = timezone.now().timestamp() + 31 * 86400
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert client.get(carol_links[5]).status_code == 404
    # The invitation itself expired.
    Invitation.objects.filter(customer=carol).update(expires_at=timezone.now())
    assert client.get(carol_links[5]).status_code == 404
    # Carol's link answers Carol's invitation and no other.
    Invitation.objects.filter(customer=carol).update(expires_at=timezone.now() + timedelta(days=1))
    client.get(carol_links[5])
    assert list(Response.objects.values_list("invitation__customer", flat=True)) == [carol.pk]
    # Rotating the nonce revokes every link already sent.
    Invitation.objects.filter(customer=carol).update(nonce="rotated")
    assert client.get(carol_links[4]).status_code == 404


def test_fatigue_one_survey_per_customer_per_period(make_ticket, carol, solve, settings):
    solve(make_ticket(carol, subject="first"))
    solve(make_ticket(carol, subject="second"))
    assert Invitation.objects.filter(customer=carol).count() == 1
    assert len(mail.outbox) == 1

    Invitation.objects.update(created_at=timezone.now() - timedelta(days=31))
    solve(make_ticket(carol, subject="third"))
    assert Invitation.objects.filter(customer=carol).count() == 2

    settings.OPORA_SURVEY_FATIGUE_DAYS = 60
    solve(make_ticket(carol, subject="fourth"))
    assert Invitation.objects.filter(customer=carol).count() == 2


def test_excluded_customers_are_never_surveyed(make_ticket, carol, solve):
    services.exclude_from_surveys(carol, "purchasing agent")
    solve(make_ticket(carol))
    assert not Invitation.objects.exists() and mail.outbox == []


def test_merged_and_spam_tickets_get_no_survey(make_ticket, carol, dave, anna, solve):
    source, target = make_ticket(carol, subject="dup"), make_ticket(dave, subject="orig")
    ticket_services.merge(source, target, ticket_services.Actor(user=anna))
    source.refresh_from_db()
    assert services.invite_after_solve(source) is None
    solve(make_ticket(carol, subject="buy cheap pills", tags=["spam"]))
    assert not Invitation.objects.filter(customer=carol).exists()


def test_reopened_and_solved_again_is_not_surveyed_twice(make_ticket, carol, anna, solve):
    ticket = make_ticket(carol)
    solve(ticket)
    ticket_services.update_ticket(ticket, ticket_services.Actor(user=anna), {"status": "open"})
    solve(ticket)
    assert Invitation.objects.count() == 1


def test_survey_mail_is_in_the_customers_language(make_ticket, carol, solve):
    carol.language = "en"
    carol.save()
    solve(make_ticket(carol))
    assert "How satisfied are you" in mail.outbox[0].body
    carol.language = "ru"
    carol.save()
    Invitation.objects.update(created_at=timezone.now() - timedelta(days=40))
    solve(make_ticket(carol, subject="again"))
    assert "Насколько вы удовлетворены" in mail.outbox[1].body


def test_one_reminder_after_n_days_if_unanswered(make_ticket, carol, dave, solve, client):
    solve(make_ticket(carol))
    solve(make_ticket(dave, subject="Dave's"))
    client.get(last_links()[5])  # Dave answers; Carol does not
    assert services.send_reminders() == 0
    Invitation.objects.update(sent_at=timezone.now() - timedelta(days=4))
    assert services.send_reminders() == 1
    assert mail.outbox[-1].to == [carol.email]
    assert services.send_reminders() == 0
    assert len(mail.outbox) == 3


def test_low_score_creates_a_follow_up_for_the_lead_and_a_note(
    make_ticket, carol, solve, client, led_alpha, lead, anna, boris
):
    ticket = make_ticket(carol)
    solve(ticket)
    client.get(last_links()[2])

    follow_up = FollowUp.objects.get()
    assert (follow_up.ticket, follow_up.owner, follow_up.status) == (ticket, lead, "open")
    note = Message.objects.get(ticket=ticket, kind=MessageKind.NOTE)
    assert note.author_user is None and "2" in note.body
    assert ticket.audit_events.filter(via="survey").exists()
    assert mail.outbox[-1].extra_headers.get("X-Opora-Survey")  # the note mailed no one

    with pytest.raises(Exception, match="owner or a manager"):
        services.close_follow_up(follow_up, anna, "called")
    services.close_follow_up(follow_up, lead, "Called Carol, refunded the fee")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE and follow_up.outcome.startswith("Called")
    with pytest.raises(InvalidTransition):
        services.close_follow_up(follow_up, lead, "again")


def test_good_score_opens_no_follow_up(make_ticket, carol, solve, client):
    solve(make_ticket(carol))
    client.get(last_links()[3])
    assert not FollowUp.objects.exists()


def test_lead_closes_a_follow_up_from_the_page(
    make_ticket, carol, solve, client, client_for, led_alpha, lead
):
    solve(make_ticket(carol))
    client.get(last_links()[1])
    follow_up = FollowUp.objects.get()
    page = client_for(lead).get("/feedback/follow-ups/")
    assert (
        page.status_code == 200
        and f"/feedback/follow-ups/{follow_up.pk}/close/" in page.content.decode()
    )
    client_for(lead).post(f"/feedback/follow-ups/{follow_up.pk}/close/", {"outcome": "Apologised"})
    follow_up.refresh_from_db()
    assert follow_up.outcome == "Apologised"


def test_an_answered_version_cannot_change(make_ticket, carol, solve, client):
    solve(make_ticket(carol))
    client.get(last_links()[5])
    version = SurveyVersion.objects.get(survey__kind=SurveyKind.CSAT)
    version.questions[0]["max"] = 10
    with pytest.raises(InvalidTransition):
        version.save()


def test_portal_prompt_lists_only_the_customers_own_open_surveys(
    make_ticket, carol, dave, solve, client_for
):
    carol_ticket = make_ticket(carol)
    solve(carol_ticket)
    solve(make_ticket(dave, subject="Dave's secret"))
    page = client_for(carol.user).get("/feedback/my/")
    text = page.content.decode()
    assert page.status_code == 200
    assert carol_ticket.reference in text and "Dave's secret" not in text
    client_for(carol.user).get(page.context["rows"][0][2][4][1])
    assert Response.objects.get().score == 5


def test_a_customer_without_e_mail_is_asked_in_the_portal(make_ticket, erin, solve, client_for):
    erin.email = ""
    erin.save()
    ticket = make_ticket(erin)
    solve(ticket)
    invitation = invitation_of(ticket)
    assert invitation.channel == "portal" and invitation.sent_at is not None
    assert mail.outbox == []
    assert ticket.reference in client_for(erin.user).get("/feedback/my/").content.decode()
