"""The project's URLs plus a trivial view, used only by the benchmark and load test settings."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.cache import never_cache

from .urls import urlpatterns as project_urlpatterns


@never_cache
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial", trivial), *project_urlpatterns]
