"""Importing mentions: CSV and signed webhook, de-duplicated by source id and by content, with
sentiment and the customer linked when known; bad input refused whole with its rows named."""

import json

import pytest

from opora.core.errors import InvalidInput
from opora.voices import adapters, services
from opora.voices.models import CustomerHandle, Mention, Source

pytestmark = pytest.mark.django_db

CSV = """external_id,published_at,text,author,handle,email,url,rating,language
r1,2030-05-01,"Ужасное обслуживание, ждал неделю",Иван,,carol@example.com,https://otzovik.example/r1,1,
r2,2030-05-02T10:00:00+03:00,"Great support, fixed it quickly!",John,@dave_acme,,,5,en
r3,2030-05-03,Где найти серийный номер?,,,,,,
"""


def test_csv_import_scores_links_and_skips_duplicates(site, carol, dave):
    CustomerHandle.objects.create(customer=dave, handle="@Dave_Acme")
    assert services.import_mentions(site, adapters.parse_csv(CSV)) == services.ImportResult(3, 0)
    first, second, third = Mention.objects.order_by("external_id")
    assert (first.sentiment_label, first.language, first.customer) == ("negative", "ru", carol)
    assert (second.sentiment_label, second.customer, second.rating) == ("positive", dave, 5)
    assert third.sentiment_label == "neutral" and third.customer is None
    # The same file again, and the same text under another id from another site: nothing new.
    assert services.import_mentions(site, adapters.parse_csv(CSV)) == services.ImportResult(0, 3)
    other = Source.objects.create(slug="vk", name="VK")
    repost = adapters.parse_csv(
        'external_id,published_at,text\nx9,2030-05-04,"  great SUPPORT,   fixed it quickly!"\n'
    )
    assert services.import_mentions(other, repost) == services.ImportResult(0, 1)
    # A new text under an id we already hold for this site is the same mention (edited review).
    edited = adapters.parse_csv("external_id,published_at,text\nr1,2030-05-05,Edited text\n")
    assert services.import_mentions(site, edited) == services.ImportResult(0, 1)
    # Within one batch too.
    twice = adapters.parse_csv("published_at,text\n2030-05-06,Same words\n2030-05-06,same  words\n")
    assert services.import_mentions(site, twice) == services.ImportResult(1, 1)
    assert Mention.objects.count() == 4


def test_bad_csv_is_refused_whole_with_rows_named(site):
    bad = "external_id,published_at,text,rating,email\na,2030-01-01,ok,7,\nb,yesterday,,3,not-an-email\nc,2030-01-02,fine,,\n"
    with pytest.raises(InvalidInput) as error:
        adapters.parse_csv(bad)
    assert error.value.fields == {
        "row 2.rating": "not_1_to_5",
        "row 3.text": "required",
        "row 3.published_at": "invalid_date",
        "row 3.email": "invalid",
    }
    assert Mention.objects.count() == 0
    with pytest.raises(InvalidInput) as header:
        adapters.parse_csv("a,b\n1,2\n")
    assert header.value.fields == {"file": "header"}


def post_webhook(client, slug, payload, secret="s3cret", signature=None):
    body = json.dumps(payload).encode()
    return client.post(
        f"/api/v1/voices/webhook/{slug}",
        body,
        content_type="application/json",
        headers={"X-Opora-Signature": signature or adapters.sign(secret, body)},
    )


def test_signed_webhook_imports_once(site, client):
    payload = {
        "mentions": [
            {
                "external_id": "t1",
                "published_at": "2030-05-01T12:00:00Z",
                "text": "Support ignored me for days",
                "handle": "@someone",
            }
        ]
    }
    first = post_webhook(client, "otzovik", payload)
    assert first.status_code == 200 and first.json() == {"created": 1, "duplicates": 0}
    again = post_webhook(client, "otzovik", payload)
    assert again.json() == {"created": 0, "duplicates": 1}
    assert Mention.objects.get().sentiment_label == "negative"


def test_webhook_refuses_bad_signatures_and_bodies(site, client):
    payload = {"mentions": [{"published_at": "2030-05-01", "text": "x"}]}
    assert post_webhook(client, "otzovik", payload, secret="wrong").status_code == 403
    assert post_webhook(client, "otzovik", payload, signature="sha256=00").status_code == 403
    assert post_webhook(client, "nosuchsite", payload).status_code == 403
    unsigned = client.post(
        "/api/v1/voices/webhook/otzovik", json.dumps(payload), content_type="application/json"
    )
    assert unsigned.status_code == 403
    invalid = post_webhook(client, "otzovik", {"mentions": [{"text": ""}]})
    assert invalid.status_code == 400 and "mentions.0.text" in invalid.json()["error"]["fields"]
    assert post_webhook(client, "otzovik", {"items": []}).status_code == 400
    assert Mention.objects.count() == 0


def test_csv_upload_page_for_leads_only(site, lead, anna, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = {"source": site.pk, "file": SimpleUploadedFile("m.csv", CSV.encode(), "text/csv")}
    assert client_for(anna).post("/voices/import/", upload).status_code == 403
    assert Mention.objects.count() == 0
    upload["file"].seek(0)
    response = client_for(lead).post("/voices/import/", upload)
    assert response.status_code == 302 and Mention.objects.count() == 3
