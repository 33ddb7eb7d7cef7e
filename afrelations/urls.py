from django.contrib import admin
from django.urls import include, path

from relations.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("relations.urls")),
]

handler500 = "relations.errors.server_error"
