"""The project's URLs plus a trivial view, used only by the benchmark and load test settings."""

from django.http import HttpResponse
from django.urls import path

from .urls import urlpatterns as project_urlpatterns


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial", trivial), *project_urlpatterns]
