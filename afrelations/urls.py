from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps_views
from django.urls import include, path

from relations.feeds import EventFeed
from relations.sitemaps import SITEMAPS
from relations.sitemaps import index as sitemap_index
from relations.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # /api/v1/ (resources), /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI); JSON 404s elsewhere under /api/.
    path("api/", include("relations.api.urls")),
    path(
        "sitemap.xml",
        sitemap_index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemaps_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("feeds/events/", EventFeed(), name="event-feed"),
    path("", include("relations.urls")),
]

# Django's default 404 handler renders templates/404.html inside the site's layout;
# the 500 handler renders templates/500.html (standalone: it needs no context).
handler500 = "relations.errors.server_error"
