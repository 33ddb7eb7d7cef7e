from django.urls import path

from . import views

app_name = "relations"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("eras/", views.EraListView.as_view(), name="era-list"),
    path("eras/<slug:slug>/", views.EraDetailView.as_view(), name="era-detail"),
    path("countries/", views.CountryListView.as_view(), name="country-list"),
    path("countries/by-establishment/", views.EstablishmentView.as_view(), name="country-establishment"),
    path("countries/<slug:slug>/", views.CountryDetailView.as_view(), name="country-detail"),
    path("relations/", views.RelationsOnDateView.as_view(), name="relations-on"),
    path("missions/", views.MissionListView.as_view(), name="mission-list"),
    path("events/", views.EventListView.as_view(), name="event-list"),
    path("events/<slug:slug>/", views.EventDetailView.as_view(), name="event-detail"),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source-detail"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation-list"),
    path("search/", views.SearchView.as_view(), name="search"),
]
