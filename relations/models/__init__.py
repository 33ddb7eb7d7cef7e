from django.contrib.contenttypes.prefetch import GenericPrefetch

from .base import Citation, ContentModel, DateClaim, Publication, Source, SourceKind
from .record import (
    AfghanGovernment,
    Country,
    CountryKind,
    Era,
    Event,
    EventKind,
    HeadOfMission,
    Mission,
    MissionDirection,
    MissionKind,
    MissionStatus,
    Region,
    RelationPeriod,
    RelationStatus,
)

# The related rows a record's name (``str()``) reads: fetched with a list of records, not once a record.
NAME_NEEDS = {Mission: ("country",), RelationPeriod: ("country",), Citation: ("source",)}


def named(model):
    """Records of ``model`` with what their names read."""
    return model._default_manager.select_related(*NAME_NEEDS.get(model, ()))


def named_content_objects():
    """Prefetch the records a list of citations or date claims is attached to, with what their names read:
    a list naming them otherwise read each mission's or status period's country on its own."""
    return GenericPrefetch("content_object", [named(model) for model in NAME_NEEDS if model is not Citation])


__all__ = [
    "AfghanGovernment",
    "Citation",
    "ContentModel",
    "Country",
    "CountryKind",
    "DateClaim",
    "Era",
    "Event",
    "EventKind",
    "HeadOfMission",
    "Mission",
    "MissionDirection",
    "MissionKind",
    "MissionStatus",
    "NAME_NEEDS",
    "Publication",
    "Region",
    "RelationPeriod",
    "RelationStatus",
    "Source",
    "SourceKind",
    "named",
    "named_content_objects",
]
