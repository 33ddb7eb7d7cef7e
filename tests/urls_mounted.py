"""The project's URLs mounted under a path, to check that links follow the URLconf in force."""

from django.urls import include, path

urlpatterns = [path("archive/", include("afrelations.urls"))]
