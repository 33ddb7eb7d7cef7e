from django.contrib import admin
from django.urls import include, path

from relations.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # /api/v1/ (resources), /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI); JSON 404s elsewhere under /api/.
    path("api/", include("relations.api.urls")),
    path("", include("relations.urls")),
]

handler500 = "relations.errors.server_error"
