from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import schema, views  # noqa: F401 - schema registers the OpenAPI extensions

app_name = "api"


class Router(DefaultRouter):
    include_format_suffixes = False


router = Router()
router.register("eras", views.EraViewSet, basename="era")
router.register("countries", views.CountryViewSet, basename="country")
router.register("relations", views.RelationPeriodViewSet, basename="relation")
router.register("missions", views.MissionViewSet, basename="mission")
router.register("heads-of-mission", views.HeadOfMissionViewSet, basename="head-of-mission")
router.register("events", views.EventViewSet, basename="event")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(generator_class=schema.SchemaGenerator), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^[\s\S]*$", views.not_found),
]
