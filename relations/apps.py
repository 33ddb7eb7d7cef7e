from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationsConfig(AppConfig):
    name = "relations"
    verbose_name = _("Afghanistan's foreign relations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401 - registers the system checks
        from .cache import connect_invalidation
        from .search_sqlite import on_post_migrate

        connect_invalidation(self)
        # After every migrate (and flush): the SQLite search index and its triggers exist.
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="relations-sqlite-search-index")
