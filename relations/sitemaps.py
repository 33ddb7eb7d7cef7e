"""sitemap.xml: an index of sections (the fixed pages and every published era, country, event and
source), each paginated so that no request has to list a whole table."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .models import Country, Era, Event, Source


class StaticSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return [
            "relations:home",
            "relations:era-list",
            "relations:country-list",
            "relations:country-establishment",
            "relations:relations-on",
            "relations:mission-list",
            "relations:event-list",
            "relations:source-list",
            "relations:organisation-list",
        ]

    def location(self, item):
        return reverse(item)


class PublishedSitemap(Sitemap):
    model = None
    changefreq = "monthly"
    limit = 500

    def items(self):
        return self.model.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, obj):
        return obj.updated_at

    def get_latest_lastmod(self):
        # Django's default walks every item of the section; the database answers in one indexed query.
        return self.model.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class EraSitemap(PublishedSitemap):
    model = Era
    priority = 0.7


class CountrySitemap(PublishedSitemap):
    model = Country
    priority = 0.6


class EventSitemap(PublishedSitemap):
    model = Event
    priority = 0.5


class SourceSitemap(PublishedSitemap):
    model = Source
    priority = 0.3


SITEMAPS = {
    "pages": StaticSitemap,
    "eras": EraSitemap,
    "countries": CountrySitemap,
    "events": EventSitemap,
    "sources": SourceSitemap,
}
