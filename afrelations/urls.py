from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from relations.feeds import EventFeed
from relations.sitemaps import SITEMAPS
from relations.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("feeds/events/", EventFeed(), name="event-feed"),
    path("", include("relations.urls")),
]

# Django's default handlers render templates/404.html (with the request, inside the
# site's layout) and templates/500.html (standalone: it must render with no context).
