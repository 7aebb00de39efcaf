"""Signed survey links. A link names its invitation, the invitation's nonce and (for one-click
answers) the score, so it cannot be moved to another invitation, re-scored or forged; it expires
with the invitation."""

from dataclasses import dataclass

from django.core import signing
from django.utils.translation import gettext as _

from opora.core.errors import NotFound

from .conf import setting

ANSWER_SALT = "opora.feedback.answer"
SURVEY_SALT = "opora.feedback.survey"


@dataclass(frozen=True)
class LinkClaim:
    invitation_id: int
    nonce: str
    score: int | None


def answer_token(invitation, score: int) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce, "s": score}, salt=ANSWER_SALT)


def survey_token(invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=SURVEY_SALT)


def refused_link() -> NotFound:
    # One answer for forged, expired and revoked links: a guesser learns nothing.
    return NotFound(_("This survey link is not valid or has expired"), code="invalid_link")


def read_token(token: str, *, with_score: bool) -> LinkClaim:
    """The claim a link makes, or ``NotFound`` if it is not one we signed recently."""
    try:
        payload = signing.loads(
            token,
            salt=ANSWER_SALT if with_score else SURVEY_SALT,
            max_age=setting("OPORA_SURVEY_EXPIRY_DAYS") * 86400,
        )
    except signing.BadSignature as error:  # SignatureExpired is a BadSignature too
        raise refused_link() from error
    # type(), not isinstance(): a bool is an int to Python, and {"i": false} is no invitation.
    if not isinstance(payload, dict) or type(payload.get("i")) is not int:
        raise refused_link()
    score = payload.get("s")
    if with_score and type(score) is not int:
        raise refused_link()
    return LinkClaim(invitation_id=payload["i"], nonce=str(payload.get("n")), score=score)
