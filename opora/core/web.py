"""Small helpers shared by the server-rendered views."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest

from .errors import Forbidden, NotFound


def _role_required(allowed: Callable) -> Callable:
    """Log in first; then a user of the wrong kind gets 403, and domain refusals become 403/404."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not allowed(request.user):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound as error:
                raise Http404(error.message) from error
            except Forbidden as error:
                raise PermissionDenied(error.message) from error

        return wrapper

    return decorator


# Agents, light agents, managers and admins.
staff_required = _role_required(lambda user: user.is_agent_like)
customer_required = _role_required(lambda user: not user.is_agent_like)


def paginate(request: HttpRequest, rows, per_page: int = 25) -> Page:
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def querystring_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()
