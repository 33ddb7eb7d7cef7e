"""The editors' admin. Importing this package registers every model (Django's admin autodiscovery)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import records  # noqa: F401

admin.site.site_header = _("Afghanistan’s foreign relations — editors")
admin.site.site_title = _("afrelations editors")
admin.site.index_title = _("The record")
