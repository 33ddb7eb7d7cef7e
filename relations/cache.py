"""One content version for the whole record: every write bumps it, every cached read is keyed by it.

A reader can therefore never be served a page older than the last save: the save
changes the version, and the old cache entries are simply never asked for again
(they expire on their own). Writes come from the admin, the API, imports, reverts
and the loader, and all of them go through model saves, deletes or m2m changes,
so the invalidation hooks onto those signals rather than onto each write path.
"""

import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "afrelations:content-version"


def content_version():
    """``(version, unix time of the last change)``; created on first use."""
    value = cache.get(VERSION_KEY)
    if value is None:
        value = (int(time.time() * 1000), time.time())
        cache.add(VERSION_KEY, value, timeout=None)
        value = cache.get(VERSION_KEY) or value
    return value


def bump_content_version(**kwargs):
    """Make every cached public response stale, now and again when the transaction commits.

    The second bump matters: a reader who renders the page between the write and the
    commit still sees the old rows, and caches them under the first new version.
    """
    _bump()
    transaction.on_commit(_bump)


def _bump():
    version, _ = content_version()
    cache.set(VERSION_KEY, (version + 1, time.time()), timeout=None)


def connect_invalidation(app_config):
    for model in app_config.get_models():
        if model.__module__.startswith("relations.models") or model._meta.app_label == "relations":
            post_save.connect(bump_content_version, sender=model, dispatch_uid=f"cache-save-{model._meta.label}")
            post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"cache-del-{model._meta.label}")
    m2m_changed.connect(bump_content_version, dispatch_uid="cache-m2m")
