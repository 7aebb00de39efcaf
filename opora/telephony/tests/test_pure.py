"""Phone numbers and webhook signatures: pure functions, checked on generated inputs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opora.telephony.phones import InvalidPhone, display_phone, normalize_phone
from opora.telephony.signing import sign, verify

# Moscow landlines and Russian mobiles: (495|499|916|925|903) + seven digits.
russian = st.builds(
    lambda code, rest: f"{code}{rest:07d}",
    st.sampled_from(["495", "499", "916", "925", "903"]),
    st.integers(min_value=0, max_value=9_999_999),
)


@given(russian)
def test_every_way_of_writing_a_number_gives_one_e164(national):
    e164 = f"+7{national}"
    spaced = f"8 ({national[:3]}) {national[3:6]}-{national[6:8]}-{national[8:]}"
    for written in (e164, spaced, f"+7 {national}", display_phone(e164)):
        assert normalize_phone(written) == e164
    assert normalize_phone(normalize_phone(spaced)) == e164


@pytest.mark.parametrize("text", ["", "   ", "12", "call me", "+7 000", "+1" + "9" * 40])
def test_undiallable_text_is_refused(text):
    with pytest.raises(InvalidPhone):
        normalize_phone(text)


def test_number_without_country_code_uses_the_default_region():
    assert normalize_phone("(020) 7946 0958", "GB") == "+442079460958"


@given(st.text(min_size=1, max_size=30), st.binary(max_size=200), st.integers(0, 2**31))
def test_a_signature_verifies_and_any_change_breaks_it(secret, body, stamp):
    timestamp = str(stamp)
    signature = sign(secret, timestamp, body)
    assert verify(secret, timestamp, body, signature, now=stamp, tolerance=300)
    assert not verify(secret, timestamp, body + b"x", signature, now=stamp, tolerance=300)
    assert not verify(secret + "x", timestamp, body, signature, now=stamp, tolerance=300)
    assert not verify(secret, str(stamp + 1), body, signature, now=stamp, tolerance=300)


def test_an_old_or_missing_signature_is_refused():
    signature = sign("s", "1000", b"{}")
    assert verify("s", "1000", b"{}", signature, now=1299, tolerance=300)
    assert not verify("s", "1000", b"{}", signature, now=1301, tolerance=300)
    assert not verify("s", "1000", b"{}", "", now=1000, tolerance=300)
    assert not verify("", "1000", b"{}", signature, now=1000, tolerance=300)
    assert not verify("s", "abc", b"{}", signature, now=1000, tolerance=300)
