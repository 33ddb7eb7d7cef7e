from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationsConfig(AppConfig):
    name = "relations"
    verbose_name = _("Afghanistan's foreign relations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import anchors, checks  # noqa: F401 - checks registers the system checks
        from .cache import connect_invalidation
        from .search_sqlite import on_post_migrate

        connect_invalidation(self)
        anchors.connect()
        # After every migrate (and flush): the page anchors' tables and triggers exist, the anchors are current.
        post_migrate.connect(anchors.on_post_migrate, sender=self, dispatch_uid="relations-page-anchors")
        # After every migrate (and flush): the SQLite search index and its triggers exist.
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="relations-sqlite-search-index")
