"""An Atom feed of the latest published events."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .markup import plain_text
from .models import Event


class EventFeed(Feed):
    feed_type = Atom1Feed
    title = _("Afghanistan's foreign relations: events")
    subtitle = _("Newly published events in the cited record of Afghanistan's foreign relations.")
    size = 50

    def link(self):
        return reverse("relations:event-list")

    def items(self):
        return Event.objects.published().order_by("-updated_at", "-pk")[: self.size]

    def item_title(self, item):
        return f"{item.date_display}: {item.title}"

    def item_description(self, item):
        return plain_text(item.summary)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at
