from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def shared_cache_in_production(app_configs, **kwargs):
    """The page cache's content version lives in the cache: every worker must share it."""
    backend = settings.CACHES["default"]["BACKEND"]
    if "locmem" in backend.lower():
        return [
            Warning(
                "The cache is local to each process.",
                hint="Set REDIS_URL: with several workers and a per-process cache, an edit invalidates the "
                "cached pages and API reads of the worker that saved it only, and the others serve stale ones until "
                "PUBLIC_CACHE_SECONDS runs out.",
                id="afrelations.W001",
            )
        ]
    return []
