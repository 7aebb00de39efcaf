"""Portal accounts: a login is tied to a customer record only once the address is proved."""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from opora.accounts.models import Role, User
from opora.core.errors import InvalidInput
from opora.customers.models import Customer

VERIFY_SALT = "opora.portal.verify-email"
VERIFY_MAX_AGE = 3 * 24 * 3600


@transaction.atomic
def sign_up(name: str, email: str, password: str, language: str) -> tuple[User, bool]:
    """Create a customer login. Returns (user, needs_verification).

    An address that already has a customer record (say, from earlier e-mails) may hold tickets,
    so the new login sees them only after clicking the link sent to that address."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(
            _("An account with this e-mail already exists; log in instead"),
            fields={"email": "taken"},
        )
    user = User(
        username=email[:150],
        email=email,
        first_name=name[:150],
        role=Role.CUSTOMER,
        language=language,
    )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), fields={"password": "weak"}) from error
    user.set_password(password)
    user.save()
    existing = Customer.objects.with_email(email).first()
    if existing is None:
        Customer.objects.create(name=name, email=email, language=language, user=user)
        return user, False
    return user, True


def verification_link(user: User) -> str:
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=VERIFY_SALT)
    return reverse("portal:verify", args=[token])


def send_verification(user: User, base_url: str) -> None:
    link = base_url.rstrip("/") + verification_link(user)
    send_mail(
        _("Confirm your e-mail for the support portal"),
        _("Open this link to see your support requests: %(link)s") % {"link": link},
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


@transaction.atomic
def verify(token: str) -> User:
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.BadSignature as error:
        raise InvalidInput(_("This confirmation link is invalid or has expired")) from error
    user = User.objects.select_for_update().get(pk=data["user"])
    if user.email != data["email"]:
        raise InvalidInput(_("This confirmation link is invalid or has expired"))
    customer = Customer.objects.select_for_update().with_email(user.email).first()
    if customer is None:
        Customer.objects.create(name=user.first_name or user.email, email=user.email, user=user)
    elif customer.user_id in (None, user.pk):
        customer.user = user
        customer.save(update_fields=["user"])
    else:
        raise InvalidInput(_("Another account already owns this address"))
    return user
