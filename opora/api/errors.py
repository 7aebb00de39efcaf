"""One error body for every failure: {"error": {"code", "message", "fields"}}."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from opora.core.errors import OporaError


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict | None = None,
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        status=status,
    )


def _location(loc: list) -> str:
    # ("body", "payload", "subject") -> "subject": clients know their own payload's shape.
    parts = [str(part) for part in loc if part not in ("body", "payload", "query", "path", "data")]
    return ".".join(parts) or "request"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def invalid(request, exc: ValidationError):
        fields = {
            _location(list(error.get("loc", []))): error.get("msg", "invalid")
            for error in exc.errors
        }
        return error_response(api, request, 422, "invalid", "The request is not valid", fields)

    @api.exception_handler(OporaError)
    def domain_error(request, exc: OporaError):
        return error_response(api, request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(DjangoValidationError)
    def model_invalid(request, exc: DjangoValidationError):
        fields = {
            key: "; ".join(messages) for key, messages in getattr(exc, "message_dict", {}).items()
        }
        return error_response(api, request, 422, "invalid", "; ".join(exc.messages), fields)

    @api.exception_handler(IntegrityError)
    def conflict(request, exc: IntegrityError):
        return error_response(
            api, request, 409, "conflict", "The change conflicts with existing data"
        )

    @api.exception_handler(OperationalError)
    def unavailable(request, exc: OperationalError):
        # The database is restarting or locked: nothing was written, the client may retry.
        response = error_response(
            api, request, 503, "unavailable", "The database is unavailable; retry shortly"
        )
        response["Retry-After"] = "2"
        return response

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        return error_response(api, request, 404, "not_found", str(exc) or "Not found")

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return error_response(api, request, 401, "unauthenticated", "A valid API token is required")

    @api.exception_handler(AuthorizationError)
    def unauthorized(request, exc):
        return error_response(api, request, 403, "forbidden", "You may not do this")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return error_response(api, request, exc.status_code, "error", str(exc))
