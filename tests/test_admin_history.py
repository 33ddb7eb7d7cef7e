"""History (who, when, what), reverting, restoring deleted records, and edit-conflict detection."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relations import models, services
from tests.admin_support import admin_url, count_queries, form_data
from tests.factories import CountryFactory, EventFactory, MissionFactory, RelationPeriodFactory, SourceFactory, cite

pytestmark = pytest.mark.django_db


def edit(client, obj, **changes):
    url = admin_url(type(obj), "change", obj.pk)
    data = form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def test_the_history_view_shows_who_changed_which_field_from_what_to_what(publisher_client):
    event = EventFactory(title="Treaty of Rawalpindi", publication="draft")
    assert edit(publisher_client, event, title="Treaty of Rawalpindi (1919)").status_code == 302
    response = publisher_client.get(admin_url(models.Event, "history", event.pk))
    page = response.content.decode()
    assert "pat" in page
    assert "Title:" in page
    assert "Treaty of Rawalpindi</del>" in page
    assert "Treaty of Rawalpindi (1919)</ins>" in page


def test_the_history_view_runs_a_constant_number_of_queries_as_versions_grow(publisher_client):
    mission = MissionFactory(publication="draft")
    url = admin_url(models.Mission, "history", mission.pk)
    publisher_client.get(url)
    few, _ = count_queries(lambda: publisher_client.get(url))
    for n in range(10):
        mission.city = f"City {n}"
        mission.save()
    many, response = count_queries(lambda: publisher_client.get(url))
    assert response.status_code == 200
    assert len(response.context["page_obj"]) == mission.history.count() > 10
    assert many == few


def test_a_publisher_reverts_to_an_earlier_version(publisher_client):
    event = EventFactory(title="Original", summary="First words.")
    first = event.history.order_by("history_date").first()
    edit(publisher_client, event, title="Mistaken", summary="Wrong words.")
    event.refresh_from_db()
    assert event.title == "Mistaken"
    response = publisher_client.post(admin_url(models.Event, "simple_history", event.pk, first.history_id), {})
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.summary) == ("Original", "First words.")
    assert event.publication == "published"
    latest = event.history.first()
    assert latest.history_user.username == "pat"
    assert "reverted" in latest.history_change_reason


def test_reverting_restores_the_countries_of_an_event():
    first_country, second_country = CountryFactory(), CountryFactory()
    event = EventFactory(countries=[first_country])
    version = event.history.first()
    event.countries.set([second_country])
    services.revert(record=event, history_id=version.history_id)
    assert list(event.countries.all()) == [first_country]


def test_a_revert_that_would_break_a_rule_is_refused():
    country = CountryFactory()
    period = RelationPeriodFactory(country=country, starts_on=datetime.date(1920, 1, 1), ends_on=None)
    old = period.history.first()
    period.ends_on = datetime.date(1930, 1, 1)
    period.save()
    RelationPeriodFactory(country=country, starts_on=datetime.date(1930, 1, 1), ends_on=None)
    with pytest.raises(ValidationError):
        services.revert(record=period, history_id=old.history_id)


def test_only_publishers_may_revert(editor_user):
    event = EventFactory(publication="draft")
    with pytest.raises(PermissionDenied):
        services.revert(record=event, history_id=event.history.first().history_id, user=editor_user)


def test_a_deleted_record_is_listed_and_restored_as_a_draft_with_its_citations(publisher_client):
    source = SourceFactory()
    event = EventFactory(title="Lost event", cited=False)
    cite(event, source, locator="p. 7")
    event.countries.add(CountryFactory(name="Ruritania"))
    pk = event.pk
    assert publisher_client.post(admin_url(models.Event, "delete", pk), {"post": "yes"}).status_code == 302

    listing = publisher_client.get(admin_url(models.Event, "deleted"))
    assert "Lost event" in listing.content.decode()

    response = publisher_client.post(admin_url(models.Event, "restore", pk))
    assert response.status_code == 302
    restored = models.Event.objects.get(pk=pk)
    assert restored.title == "Lost event"
    assert restored.publication == "draft"
    assert [c.locator for c in restored.citations.all()] == ["p. 7"]
    assert [c.name for c in restored.countries.all()] == ["Ruritania"]
    assert list(publisher_client.get(admin_url(models.Event, "deleted")).context["records"]) == []


def test_restoring_a_record_that_is_not_deleted_is_refused_cleanly(publisher_client):
    event = EventFactory()
    response = publisher_client.post(admin_url(models.Event, "restore", event.pk), follow=True)
    assert response.status_code == 200
    assert "no deleted record" in response.content.decode()


def test_a_restore_needs_a_post(publisher_client):
    event = EventFactory(publication="draft")
    pk = event.pk
    event.delete()
    assert publisher_client.get(admin_url(models.Event, "restore", pk)).status_code == 405


# Edit conflicts ---------------------------------------------------------------------------------


def test_a_save_over_a_colleagues_later_edit_is_refused_and_shows_what_changed(client, editor_user, publisher_user):
    event = EventFactory(publication="draft", title="Agreement", summary="Original summary.")
    url = admin_url(models.Event, "change", event.pk)
    client.force_login(editor_user)
    stale = form_data(client.get(url))

    client.force_login(publisher_user)
    assert edit(client, event, title="Agreement of friendship").status_code == 302

    client.force_login(editor_user)
    stale["summary"] = "My careful new summary."
    response = client.post(url, stale)
    assert response.status_code == 200
    page = response.content.decode()
    assert "changed by pat after you opened it" in page
    assert "Agreement of friendship" in page
    assert "Nothing was saved" in page
    event.refresh_from_db()
    assert (event.title, event.summary) == ("Agreement of friendship", "Original summary.")

    # The form keeps the editor's edit, takes in the colleague's, and carries the current version.
    again = form_data(response)
    assert again["summary"] == "My careful new summary."
    assert again["title"] == "Agreement of friendship"
    assert client.post(url, again).status_code == 302
    event.refresh_from_db()
    assert (event.title, event.summary) == ("Agreement of friendship", "My careful new summary.")


def test_when_both_editors_change_one_field_the_second_is_asked_to_check_it(client, editor_user, publisher_user):
    event = EventFactory(publication="draft", title="Agreement", countries=[])
    url = admin_url(models.Event, "change", event.pk)
    client.force_login(editor_user)
    stale = form_data(client.get(url))

    client.force_login(publisher_user)
    added = CountryFactory(name="Persia")
    assert edit(client, event, title="Their title", countries=[str(added.pk)]).status_code == 302

    client.force_login(editor_user)
    stale["title"] = "My title"
    response = client.post(url, stale)
    assert "You both changed: Title" in response.content.decode()
    again = form_data(response)
    assert again["title"] == "My title"
    assert again["countries"] == [str(added.pk)]
    assert client.post(url, again).status_code == 302
    event.refresh_from_db()
    assert event.title == "My title"
    assert list(event.countries.all()) == [added]


def test_a_save_without_the_version_it_started_from_is_refused(publisher_client):
    event = EventFactory(publication="draft", title="Untouched")
    data = edit_data = form_data(publisher_client.get(admin_url(models.Event, "change", event.pk)))
    edit_data.pop("version")
    data["title"] = "Changed"
    response = publisher_client.post(admin_url(models.Event, "change", event.pk), data)
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.title == "Untouched"


def test_a_save_of_a_record_deleted_meanwhile_is_refused(publisher_client):
    mission = MissionFactory(publication="draft")
    url = admin_url(models.Mission, "change", mission.pk)
    stale = form_data(publisher_client.get(url))
    models.Mission.objects.filter(pk=mission.pk).delete()
    response = publisher_client.post(url, stale)
    assert response.status_code == 302  # the admin's own "does not exist" redirect, not a 500
    assert not models.Mission.objects.filter(pk=mission.pk).exists()


def test_the_version_is_claimed_with_a_conditional_update():
    """Two saves from the same starting version: exactly one wins, whatever the timing."""
    from relations.forms import ContentAdminForm

    event = EventFactory(publication="draft")

    class EventForm(ContentAdminForm):
        class Meta:
            model = models.Event
            fields = ("title",)

    first = EventForm(data={"title": "A", "version": event.version}, instance=models.Event.objects.get(pk=event.pk))
    second = EventForm(data={"title": "B", "version": event.version}, instance=models.Event.objects.get(pk=event.pk))
    assert first.is_valid()
    first.save()
    assert not second.is_valid()
    assert "after you opened it" in str(second.non_field_errors())


def test_heads_of_a_deleted_mission_are_restored_after_their_mission(publisher_client):
    from tests.factories import HeadOfMissionFactory

    head = HeadOfMissionFactory(name="Envoy of test")
    mission_pk, head_pk = head.mission_id, head.pk
    publisher_client.post(admin_url(models.Mission, "delete", mission_pk), {"post": "yes"})
    assert not models.HeadOfMission.objects.filter(pk=head_pk).exists()
    publisher_client.post(admin_url(models.Mission, "restore", mission_pk))
    listing = publisher_client.get(admin_url(models.HeadOfMission, "deleted"))
    assert [version.id for version in listing.context["records"]] == [head_pk]
    publisher_client.post(admin_url(models.HeadOfMission, "restore", head_pk))
    restored = models.HeadOfMission.objects.get(pk=head_pk)
    assert restored.mission_id == mission_pk
    assert restored.publication == "draft"
    assert restored.citations.count() == 1


def test_a_status_period_changed_elsewhere_is_not_overwritten_from_the_country_form(publisher_client):
    country = CountryFactory()
    period = RelationPeriodFactory(country=country, status="diplomatic", publication="draft")
    url = admin_url(models.Country, "change", country.pk)
    stale = form_data(publisher_client.get(url))
    assert stale["relation_periods-0-version"] == period.version

    period.refresh_from_db()
    period.summary = "Edited on the period's own page."
    period.save()

    stale["relation_periods-0-status"] = "severed"
    response = publisher_client.post(url, stale)
    assert response.status_code == 200
    assert "after you opened it" in response.content.decode()
    period.refresh_from_db()
    assert (period.status, period.summary) == ("diplomatic", "Edited on the period's own page.")


def test_an_untouched_row_changed_elsewhere_does_not_block_saving_its_parent(publisher_client):
    country = CountryFactory(summary="")
    period = RelationPeriodFactory(country=country, publication="draft")
    url = admin_url(models.Country, "change", country.pk)
    stale = form_data(publisher_client.get(url))
    period.refresh_from_db()
    period.summary = "Edited elsewhere."
    period.save()
    stale["summary"] = "A new country summary."
    assert publisher_client.post(url, stale).status_code == 302
    period.refresh_from_db()
    assert period.summary == "Edited elsewhere."


def test_the_history_of_an_event_with_countries_runs_a_constant_number_of_queries(publisher_client):
    """An event's countries are kept in history too; diffing them must not query once per version."""
    event = EventFactory(publication="draft")
    event.countries.add(CountryFactory())
    url = admin_url(models.Event, "history", event.pk)
    publisher_client.get(url)
    few, _ = count_queries(lambda: publisher_client.get(url))
    for n in range(10):
        event.title = f"Title {n}"
        event.save()
    many, response = count_queries(lambda: publisher_client.get(url))
    assert response.status_code == 200
    assert len(response.context["page_obj"]) == event.history.count() > 10
    assert many == few


def test_the_history_view_shows_a_change_of_an_events_countries(publisher_client):
    event = EventFactory(publication="draft")
    event.countries.add(CountryFactory(name="Ruritania"))
    event.save()
    event.countries.set([CountryFactory(name="Freedonia")])
    event.save()
    response = publisher_client.get(admin_url(models.Event, "history", event.pk))
    changes = [
        change for record in response.context["page_obj"] for change in getattr(record, "history_delta_changes", [])
    ]
    countries = [change for change in changes if change["field"] == "Countries"]
    assert countries, changes
    html = response.content.decode()
    assert "Ruritania" in html and "Freedonia" in html


def test_the_history_of_an_event_names_a_country_deleted_since(publisher_client):
    event = EventFactory(publication="draft")
    gone = CountryFactory(name="Vanishedland")
    event.countries.add(gone)
    event.save()
    event.countries.clear()
    event.save()
    pk = gone.pk
    gone.delete()
    response = publisher_client.get(admin_url(models.Event, "history", event.pk))
    assert response.status_code == 200
    # Its name went with it, but the change still shows which record it was.
    assert f"Deleted country (pk={pk})" in response.content.decode()
