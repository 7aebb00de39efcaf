"""Account health from the facts, usage via the API, and owners seeing only their accounts."""

from datetime import date

import pytest
from django.utils import timezone

from opora.success import services
from opora.success.models import Account, UsageSignal

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(acme, anna):
    return Account.objects.create(organisation=acme, owner=anna)


def test_usage_posted_by_the_owner_updates_health(account, anna, api_as, carol):
    body = {
        "signals": [
            {"metric": "active_users", "value": 10, "day": "2030-01-01"},
            {"metric": "active_users", "value": 20, "day": "2030-02-01"},
            {"metric": "seats_used", "value": 19, "day": "2030-02-01"},
            {"metric": "seats_licensed", "value": 20, "day": "2030-02-01"},
        ]
    }
    response = api_as(anna).post(f"/success/accounts/{account.organisation_id}/usage", body)
    assert response.status_code == 200, response.content
    # Replaying the same figures replaces, never duplicates.
    api_as(anna).post(f"/success/accounts/{account.organisation_id}/usage", body)
    assert UsageSignal.objects.count() == 4
    facts = services.usage_facts(account.organisation, date(2030, 2, 2))
    assert facts.trend == 2.0 and facts.seat_utilisation == 0.95
    bad = api_as(anna).post(
        f"/success/accounts/{account.organisation_id}/usage",
        {"signals": [{"metric": "Bad Name", "value": 1, "day": "2030-01-01"}]},
    )
    assert bad.status_code in (400, 422)


def test_health_counts_contacts_and_open_incidents(account, make_ticket, carol, lead):
    from opora.incidents.models import Incident

    ticket = make_ticket(carol)
    incident = Incident.objects.create(title="Outage", created_by=lead)
    incident.tickets.add(ticket)
    facts = services.health_inputs(account, timezone.now())
    assert (facts.people, facts.contacts_90d, facts.open_incidents) == (1, 1, 1)
    health = services.refresh_health(account)
    assert "open_incidents" in health.churn_reasons
    account.refresh_from_db()
    assert account.health_score == health.score


def test_owners_see_only_their_accounts(
    account, anna, boris, carol, lead, client_for, api_as, erin
):
    assert api_as(anna).get("/success/accounts").json()["count"] == 1
    assert api_as(lead).get("/success/accounts").json()["count"] == 1
    assert api_as(boris).get("/success/accounts").json()["count"] == 0
    org = account.organisation_id
    for stranger in (boris, carol.user):
        assert client_for(stranger).get(f"/success/{org}/").status_code in (403, 404)
        assert api_as(stranger).get(f"/success/accounts/{org}").status_code in (403, 404)
        usage = {"signals": [{"metric": "active_users", "value": 1, "day": "2030-01-01"}]}
        assert api_as(stranger).post(f"/success/accounts/{org}/usage", usage).status_code in (
            403,
            404,
        )
    assert client_for(carol.user).get("/success/").status_code == 403
    assert api_as(carol.user).get("/success/accounts").status_code == 403
    assert api_as(None).get("/success/accounts").status_code == 401
    assert UsageSignal.objects.count() == 0
    assert client_for(anna).get(f"/success/{org}/").status_code == 200
    assert b"Acme" in client_for(anna).get("/success/").content
    assert b"Acme" not in client_for(boris).get("/success/").content


def test_only_managers_assign_owners(account, anna, boris, lead, api_as, carol):
    org = account.organisation_id
    refused = api_as(anna)._call("put", f"/success/accounts/{org}/owner", {"owner_id": boris.pk})
    assert refused.status_code == 403
    not_staff = api_as(lead)._call(
        "put", f"/success/accounts/{org}/owner", {"owner_id": carol.user.pk}
    )
    assert not_staff.status_code == 400
    done = api_as(lead)._call("put", f"/success/accounts/{org}/owner", {"owner_id": boris.pk})
    assert done.status_code == 200 and done.json()["owner_id"] == boris.pk


def test_account_list_reads_the_stored_health_in_bounded_queries(
    lead, client_for, django_assert_max_num_queries
):
    from opora.customers.models import Organisation

    for index in range(8):
        organisation = Organisation.objects.create(name=f"Org {index}")
        services.refresh_health(Account.objects.create(organisation=organisation, owner=lead))
    desk = client_for(lead)
    desk.get("/success/")
    with django_assert_max_num_queries(10):
        page = desk.get("/success/?signal=churn")
    assert page.status_code == 200 and b"Org 7" in page.content  # silent accounts are at risk
