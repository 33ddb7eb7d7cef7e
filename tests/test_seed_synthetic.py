import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from relations import anchors
from relations.models import Citation, Event, HeadOfMission, Mission, RelationPeriod, Source
from tests.factories import CountryFactory, EventFactory, HeadOfMissionFactory, MissionFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_seed_synthetic_adds_cited_records_in_proportion_and_clear_removes_them_all():
    CountryFactory.create_batch(5)
    real_event = EventFactory()
    call_command("seed_synthetic", scale=2)
    assert Event.objects.count() == 1 + 2 * 80
    assert Mission.objects.filter(editor_notes__startswith="[synthetic").count() == 2 * 50
    assert RelationPeriod.objects.filter(editor_notes__startswith="[synthetic").count() == 2 * 100
    assert HeadOfMission.objects.exists()
    synthetic_event = Event.objects.exclude(pk=real_event.pk).first()
    assert synthetic_event.citations.count() == 2
    assert synthetic_event.countries.count() == 2
    assert Event.objects.published().count() == Event.objects.count()

    call_command("seed_synthetic", clear=True)
    assert list(Event.objects.all()) == [real_event]
    assert not Source.objects.filter(editor_notes__startswith="[synthetic").exists()
    assert Citation.objects.count() == real_event.citations.count()


def test_seed_synthetic_can_add_drafts():
    CountryFactory()
    call_command("seed_synthetic", scale=1, draft=True)
    assert Event.objects.published().count() == 0
    assert Event.objects.count() == 80


def test_seed_synthetic_needs_the_real_countries():
    with pytest.raises(CommandError, match="load_content"):
        call_command("seed_synthetic", scale=1)


def test_synthetic_citations_name_a_page_as_often_as_the_real_ones():
    """Locators on every synthetic citation would make each a reference of its own on a page."""
    CountryFactory.create_batch(5)
    for n, event in enumerate(EventFactory.create_batch(10)):
        event.citations.update(locator="p. 3" if n < 2 else "")  # a fifth of the real citations
    call_command("seed_synthetic", scale=10, seed=7)
    synthetic = Citation.objects.filter(source__editor_notes__startswith="[synthetic")
    share = synthetic.exclude(locator="").count() / synthetic.count()
    assert synthetic.count() > 3000
    assert 0.17 < share < 0.23


def test_seed_synthetic_and_clear_leave_the_page_anchors_current(django_capture_on_commit_callbacks):
    CountryFactory.create_batch(2)
    # Written without signals, so that no recomputation is pending before the one the clear schedules.
    Source.objects.bulk_create(SourceFactory.build_batch(3))
    anchors.rebuild()
    call_command("seed_synthetic", scale=2)
    assert Source.objects.filter(editor_notes__startswith="[synthetic").count() > anchors.SPACING // 8
    assert anchors.verify() == ([], [])  # bulk inserts send no signals: the command recomputes the anchors
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_synthetic", clear=True)  # deletes: recomputed when the transaction commits
    assert Source.objects.count() == 3
    assert anchors.verify() == ([], [])


def test_synthetic_heads_of_mission_are_spread_as_unevenly_as_the_real_ones():
    """A page of synthetic missions should list as many heads as a page of real ones: the same share
    of missions with none, and some with many."""
    CountryFactory.create_batch(3)
    real = MissionFactory.create_batch(50)
    for mission, n in zip(real, [0, 0, 1, 5, 0, 2, 0, 1, 0, 11] * 5, strict=True):  # 100 heads in all
        HeadOfMissionFactory.create_batch(n, mission=mission)
    call_command("seed_synthetic", scale=2, seed=3)
    synthetic = Mission.objects.filter(editor_notes__startswith="[synthetic").annotate(n=Count("heads"))
    counts = sorted(synthetic.values_list("n", flat=True))
    assert sum(counts) == 2 * 100  # as many heads as the real ones, times the scale
    assert counts.count(0) == 2 * 25  # half of them have none, as half of the real ones have
    assert counts[-1] == 11
