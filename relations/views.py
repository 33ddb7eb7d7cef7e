from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, TemplateView

from .models import Country, Era, Event, Mission, Source


@never_cache
def healthz(request):
    """200 when the database answers a round-trip, 503 (and no traceback) when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class PublishedMixin:
    """Published records for readers; staff also see drafts (preview)."""

    model = None

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)


class HomeView(TemplateView):
    template_name = "relations/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["eras"] = Era.objects.published()
        return context


class EraListView(PublishedMixin, ListView):
    model = Era


class EraDetailView(PublishedMixin, DetailView):
    model = Era


class CountryListView(PublishedMixin, ListView):
    model = Country


class CountryDetailView(PublishedMixin, DetailView):
    model = Country


class MissionListView(PublishedMixin, ListView):
    model = Mission
    paginate_by = 50


class EventListView(PublishedMixin, ListView):
    model = Event
    paginate_by = 50


class EventDetailView(PublishedMixin, DetailView):
    model = Event


class SourceListView(PublishedMixin, ListView):
    model = Source
    paginate_by = 100


class SourceDetailView(PublishedMixin, DetailView):
    model = Source
