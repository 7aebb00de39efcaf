from django.db.models import QuerySet
from django.http import HttpRequest

from opora.core.errors import InvalidInput

from .schemas import PageParams


def reject_unknown_params(request: HttpRequest, *schemas: type) -> None:
    """A misspelt filter must not silently return everything."""
    known = {name for schema in schemas for name in schema.model_fields}
    unknown = sorted(set(request.GET) - known)
    if unknown:
        raise InvalidInput(
            f"Unknown query parameter: {', '.join(repr(name) for name in unknown)}",
            fields={name or "(empty)": "unknown_parameter" for name in unknown},
        )


def page_of(queryset: QuerySet, params: PageParams) -> dict:
    """One page of a queryset: the count and the rows in two queries (plus prefetches)."""
    return {
        "items": list(queryset[params.offset : params.offset + params.limit]),
        "count": queryset.count(),
        "limit": params.limit,
        "offset": params.offset,
    }
