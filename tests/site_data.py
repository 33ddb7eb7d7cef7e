"""A small published world for the public-site tests (placeholders, never content)."""

import datetime
from types import SimpleNamespace

from relations import models
from tests.factories import (
    CountryFactory,
    EraFactory,
    EventFactory,
    HeadOfMissionFactory,
    MissionFactory,
    RelationPeriodFactory,
    SourceFactory,
    cite,
)

D = datetime.date


def build_world():
    """Two eras, a few counterparts (one former state with successors, one organisation), periods,
    missions both ways with heads, events and sources, all cited; plus one draft of each kind."""
    old = EraFactory(
        slug="old-era",
        name="Old era",
        starts_on=D(1919, 8, 8),
        ends_on=D(1978, 4, 27),
        summary="The old era in brief.",
        narrative="## Narrative heading\n\nThe old era, in *our own* words.",
    )
    new = EraFactory(
        slug="new-era", name="New era", starts_on=D(1978, 4, 27), ends_on=None, summary="The new era in brief."
    )
    book = SourceFactory(
        slug="test-book", authors="Author, Alpha", title="A Test Book", publisher="Test Press", place="Testville"
    )
    web = SourceFactory(
        slug="test-web",
        kind=models.SourceKind.WEB,
        authors="",
        title="A Test Page",
        container_title="Test Site",
        publisher="",
        url="https://example.org/page",
        archive_url="https://web.archive.org/web/2020/https://example.org/page",
        accessed_on=D(2024, 5, 1),
    )
    cite(old, book, "p. 3")
    cite(new, book, "p. 9")

    alpha = CountryFactory(slug="alphaland", name="Alphaland", iso_numeric="250", region=models.Region.EUROPE)
    beta = CountryFactory(slug="betaland", name="Betaland", iso_numeric="356", region=models.Region.ASIA)
    successor = CountryFactory(slug="gammaland", name="Gammaland", iso_numeric="643", region=models.Region.EUROPE)
    former = CountryFactory(
        slug="old-union",
        name="Old Union",
        kind=models.CountryKind.FORMER_STATE,
        iso_numeric="810",
        region=models.Region.EUROPE,
        dissolved_on=D(1991, 12, 26),
    )
    former.successors.set([successor])
    org = CountryFactory(
        slug="united-test-nations",
        name="United Test Nations",
        kind=models.CountryKind.ORGANISATION,
        region="",
        summary="An organisation that **acts**.",
    )

    alpha_first = RelationPeriodFactory(country=alpha, starts_on=D(1922, 1, 1), ends_on=D(1980, 1, 1), cited=False)
    cite(alpha_first, book, "p. 42")
    RelationPeriodFactory(
        country=alpha,
        status=models.RelationStatus.SEVERED,
        starts_on=D(1980, 1, 1),
        starts_on_precision="year",
        ends_on=D(2002, 1, 1),
        ends_on_precision="year",
    )
    RelationPeriodFactory(country=alpha, starts_on=D(2002, 1, 1))
    beta_first = RelationPeriodFactory(country=beta, starts_on=D(1955, 1, 20), starts_on_precision="day", cited=False)
    cite(beta_first, book, "p. 42")  # same source and locator as alpha_first: one footnote number
    RelationPeriodFactory(country=former, starts_on=D(1919, 5, 27), starts_on_precision="day", ends_on=D(1991, 12, 26))
    RelationPeriodFactory(country=successor, starts_on=D(1991, 12, 26), starts_on_precision="day")
    RelationPeriodFactory(country=org, status=models.RelationStatus.DIPLOMATIC, starts_on=D(1946, 11, 19))

    embassy = MissionFactory(slug="alpha-embassy-kabul", country=alpha, city="Kabul", opened_on=D(1923, 1, 1))
    HeadOfMissionFactory(mission=embassy, name="Envoy Aleph", started_on=D(2003, 1, 1))
    abroad = MissionFactory(
        slug="afghan-embassy-betaville",
        country=beta,
        direction=models.MissionDirection.OF_AFGHANISTAN,
        city="Betaville",
        opened_on=D(1956, 1, 1),
        staff_represent=models.AfghanGovernment.ISLAMIC_REPUBLIC,
    )
    consulate = MissionFactory(
        slug="beta-consulate-herat",
        country=beta,
        kind=models.MissionKind.CONSULATE,
        city="Herat",
        opened_on=D(1960, 1, 1),
        status=models.MissionStatus.CLOSED,
        closed_on=D(1980, 1, 1),
    )
    un_mission = MissionFactory(
        slug="utn-mission-kabul", country=org, kind=models.MissionKind.UN_MISSION, city="Kabul", opened_on=D(2002, 1, 1)
    )

    treaty = EventFactory(
        slug="alpha-treaty",
        title="Treaty with Alphaland",
        date=D(1921, 6, 1),
        date_precision="month",
        countries=[alpha],
    )
    break_off = EventFactory(
        slug="alpha-break",
        title="Relations with Alphaland broken off",
        date=D(1980, 1, 1),
        date_precision="year",
        kind=models.EventKind.RELATIONS_SEVERED,
        countries=[alpha],
    )
    resolution = EventFactory(
        slug="utn-resolution",
        title="Resolution of the United Test Nations",
        date=D(1988, 4, 14),
        kind=models.EventKind.UN_ACTION,
        countries=[org],
    )

    drafts = SimpleNamespace(
        country=CountryFactory(slug="draftland", name="Draftland", publication=models.Publication.DRAFT),
        event=EventFactory(
            slug="draft-event", title="Secret draft event", date=D(1950, 1, 1), publication=models.Publication.DRAFT
        ),
        era=EraFactory(
            slug="draft-era",
            name="Draft era",
            starts_on=D(1800, 1, 1),
            ends_on=D(1801, 1, 1),
            publication=models.Publication.DRAFT,
        ),
        source=SourceFactory(slug="draft-source", title="Draft Source Title", publication=models.Publication.DRAFT),
    )
    return SimpleNamespace(
        old=old,
        new=new,
        book=book,
        web=web,
        alpha=alpha,
        beta=beta,
        successor=successor,
        former=former,
        org=org,
        alpha_first=alpha_first,
        beta_first=beta_first,
        embassy=embassy,
        abroad=abroad,
        consulate=consulate,
        un_mission=un_mission,
        treaty=treaty,
        break_off=break_off,
        resolution=resolution,
        drafts=drafts,
    )


def grow(n=5):
    """Add ``n`` more of everything, to show that query counts do not grow with the data."""
    source = SourceFactory()
    for _ in range(n):
        country = CountryFactory(region=models.Region.AFRICA)
        period = RelationPeriodFactory(country=country, starts_on=D(1960, 1, 1), cited=False)
        cite(period, source, "p. 1")
        cite(period, SourceFactory(), "p. 2")
        mission = MissionFactory(country=country, opened_on=D(1970, 1, 1))
        HeadOfMissionFactory(mission=mission, started_on=D(1971, 1, 1))
        HeadOfMissionFactory(mission=mission, started_on=D(1975, 1, 1))
        EventFactory(countries=[country], date=D(1985, 1, 1))
