from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect("desk:tickets" if request.user.is_agent_like else "portal:tickets")


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the process answers and reaches its database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any database failure means "not ready", reported as such
        return JsonResponse({"ok": False, "database": str(error)}, status=503)
    return JsonResponse({"ok": True})
