"""The missed-call webhook signature: HMAC-SHA256 over "<timestamp>.<raw body>". Pure.

The timestamp is inside the signed text and must be recent, so a captured delivery cannot be
replayed later; the comparison is constant-time."""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Opora-Signature"
TIMESTAMP_HEADER = "X-Opora-Timestamp"
SCHEME = "sha256="


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SCHEME + digest.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, now: float, tolerance: int
) -> bool:
    """True only for a correct signature made within `tolerance` seconds of `now`."""
    if not secret or not signature or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature.strip())
