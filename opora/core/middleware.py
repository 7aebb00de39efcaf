"""Refuse NUL characters in URLs up front: PostgreSQL cannot store or even compare them, so
letting one reach a query would turn a bad request into a server error."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse


class RejectNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value
            for key, values in request.GET.lists()
            for value in values
        ):
            message = "The address contains a NUL character"
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "invalid", "message": message, "fields": {}}}, status=400
                )
            return HttpResponseBadRequest(message)
        return self.get_response(request)
