"""Fuzzing the survey-link verifier: whatever text arrives in the URL, the verifier either returns
the claim we signed or refuses with the one `invalid_link` answer — never an exception of another
kind, never a claim we did not make."""

from types import SimpleNamespace

import pytest
from django.core import signing
from hypothesis import given, settings
from hypothesis import strategies as st

from opora.core.errors import NotFound
from opora.feedback.signing import ANSWER_SALT, SURVEY_SALT, answer_token, read_token, survey_token

invitations = st.builds(
    SimpleNamespace,
    pk=st.integers(min_value=1, max_value=2**31),
    nonce=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=22),
)


def refused(token: str, *, with_score: bool) -> bool:
    try:
        read_token(token, with_score=with_score)
    except NotFound as error:
        assert error.code == "invalid_link"
        return True
    return False


@settings(max_examples=300)
@given(token=st.text(max_size=300), with_score=st.booleans())
def test_arbitrary_text_is_refused_cleanly(token, with_score):
    assert refused(token, with_score=with_score)


@settings(max_examples=200)
@given(invitation=invitations, score=st.integers(min_value=0, max_value=10))
def test_a_signed_link_reads_back_exactly(invitation, score):
    claim = read_token(answer_token(invitation, score), with_score=True)
    assert (claim.invitation_id, claim.nonce, claim.score) == (
        invitation.pk,
        invitation.nonce,
        score,
    )
    claim = read_token(survey_token(invitation), with_score=False)
    assert (claim.invitation_id, claim.nonce) == (invitation.pk, invitation.nonce)


@settings(max_examples=300)
@given(
    invitation=invitations,
    score=st.integers(min_value=0, max_value=10),
    position=st.integers(min_value=0),
    replacement=st.characters(codec="ascii", exclude_characters="\x00"),
)
def test_any_single_character_change_is_refused(invitation, score, position, replacement):
    token = answer_token(invitation, score)
    index = position % len(token)
    if token[index] == replacement:
        return
    tampered = token[:index] + replacement + token[index + 1 :]
    # A change to the payload or the signature must not verify (a change that leaves the token
    # decoding to the same bytes, such as base64 padding, reads back the same claim at most).
    try:
        claim = read_token(tampered, with_score=True)
    except NotFound:
        return
    assert (claim.invitation_id, claim.nonce, claim.score) == (
        invitation.pk,
        invitation.nonce,
        score,
    )


@settings(max_examples=100)
@given(
    payload=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=20)
        | st.floats(allow_nan=False),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from("insx"), children, max_size=4)
        ),
        max_leaves=10,
    )
)
def test_well_signed_but_wrong_shaped_payloads_are_refused_or_typed(payload):
    # Even a payload carrying our own signature (a leaked key, an older format) must be the
    # right shape to be believed.
    for salt, with_score in ((ANSWER_SALT, True), (SURVEY_SALT, False)):
        token = signing.dumps(payload, salt=salt)
        try:
            claim = read_token(token, with_score=with_score)
        except NotFound:
            continue
        assert type(claim.invitation_id) is int
        if with_score:
            assert type(claim.score) is int


@pytest.mark.parametrize("with_score", [True, False])
def test_a_link_for_one_purpose_does_not_open_the_other(with_score):
    invitation = SimpleNamespace(pk=7, nonce="abc")
    token = survey_token(invitation) if with_score else answer_token(invitation, 5)
    assert refused(token, with_score=with_score)
