"""A fixed-window rate limit for public, anonymous entry points (callback form, chat widget),
counted in the shared cache so every web process sees the same count."""

from django.core.cache import cache

from .errors import OporaError


class RateLimited(OporaError):
    code = "rate_limited"
    status = 429


def check(scope: str, client_key: str, limit: int, window_seconds: int, message: str) -> None:
    """Count one use by ``client_key`` (an address) in ``scope``; over ``limit`` per window, refuse."""
    key = f"ratelimit:{scope}:{client_key}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    if count > limit:
        raise RateLimited(message)


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")
