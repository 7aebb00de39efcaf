"""Errors the domain raises and every interface (web, API, CLI) can show as they are.

Each carries a stable machine-readable code, a human message, and the fields at fault.
"""

from collections.abc import Mapping


class OporaError(Exception):
    code = "error"
    status = 400

    def __init__(
        self, message: str, *, fields: Mapping[str, str] | None = None, code: str | None = None
    ):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if code:
            self.code = code

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class InvalidInput(OporaError):
    code = "invalid"


class InvalidTransition(OporaError):
    code = "invalid_transition"
    status = 409


class Forbidden(OporaError):
    code = "forbidden"
    status = 403


class NotFound(OporaError):
    code = "not_found"
    status = 404


class AttachmentRejected(OporaError):
    code = "attachment_rejected"
    status = 413
