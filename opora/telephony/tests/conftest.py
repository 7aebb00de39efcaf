"""Phone tests: a known webhook secret and a helper that signs deliveries as a provider would."""

import json
import time

import pytest

from opora.telephony import signing

SECRET = "test-shared-secret"


@pytest.fixture(autouse=True)
def _phone_settings(settings):
    settings.OPORA_PHONE_WEBHOOK_SECRET = SECRET
    settings.OPORA_CALLBACK_SLA_MINUTES = 60


@pytest.fixture
def post_missed_call(client):
    """POST a missed-call delivery, signed with `secret` (None: no signature headers at all)."""

    def post(payload, *, secret=SECRET, timestamp=None, raw: bytes | None = None):
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = {}
        if secret is not None:
            stamp = str(int(timestamp if timestamp is not None else time.time()))
            headers = {
                signing.TIMESTAMP_HEADER: stamp,
                signing.SIGNATURE_HEADER: signing.sign(secret, stamp, body),
            }
        return client.post(
            "/phone/webhooks/missed-call", body, content_type="application/json", headers=headers
        )

    return post
