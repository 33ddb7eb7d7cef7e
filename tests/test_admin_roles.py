"""Roles and the publishing workflow in the admin: Editors draft, Publishers publish, on every path."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from relations import models
from relations.services import can_publish
from tests.admin_support import admin_url, form_data
from tests.factories import CountryFactory, EventFactory, RelationPeriodFactory, SourceFactory, cite

pytestmark = pytest.mark.django_db

CITATIONS = "relations-citation-content_type-object_id"


def new_event_data(**overrides):
    data = {
        "title": "Treaty of test",
        "slug": "treaty-of-test",
        "date": "1921-02-28",
        "date_precision": "day",
        "kind": "treaty",
        "summary": "",
        "unverified": "",
        "editor_notes": "",
        f"{CITATIONS}-TOTAL_FORMS": "0",
        f"{CITATIONS}-INITIAL_FORMS": "0",
        f"{CITATIONS}-MIN_NUM_FORMS": "0",
        f"{CITATIONS}-MAX_NUM_FORMS": "1000",
    }
    for key in [key for key, value in overrides.items() if value is None]:
        data.pop(key)
        overrides.pop(key)
    data.update(overrides)
    return data


def with_citation(data, source, index=0, locator="p. 1"):
    data = dict(data)
    data[f"{CITATIONS}-TOTAL_FORMS"] = str(int(data[f"{CITATIONS}-TOTAL_FORMS"]) + 1)
    data.update(
        {
            f"{CITATIONS}-{index}-source": source.pk,
            f"{CITATIONS}-{index}-locator": locator,
            f"{CITATIONS}-{index}-quote": "",
            f"{CITATIONS}-{index}-order": "0",
        }
    )
    return data


def test_the_migration_creates_the_editor_and_publisher_groups():
    editor = Group.objects.get(name="Editor")
    publisher = Group.objects.get(name="Publisher")
    assert editor.permissions.filter(codename="add_event").exists()
    assert editor.permissions.filter(codename="change_citation").exists()
    assert not editor.permissions.filter(codename="publish_content").exists()
    assert publisher.permissions.filter(codename="publish_content").exists()


def test_an_editor_adds_an_event_with_a_citation_as_a_draft(editor_client):
    source = SourceFactory()
    response = editor_client.post(admin_url(models.Event, "add"), with_citation(new_event_data(), source))
    assert response.status_code == 302
    event = models.Event.objects.get(slug="treaty-of-test")
    assert event.publication == "draft"
    assert event.citations.get().source == source


def test_an_editor_cannot_publish_through_the_change_form(editor_client):
    source = SourceFactory()
    data = with_citation(new_event_data(publication="published"), source)
    editor_client.post(admin_url(models.Event, "add"), data)
    assert models.Event.objects.get(slug="treaty-of-test").publication == "draft"
    response = editor_client.get(admin_url(models.Event, "add"))
    assert "publication" not in response.context["adminform"].form.fields


def test_an_editor_cannot_publish_through_an_action(editor_client):
    event = EventFactory(publication="draft")
    response = editor_client.get(admin_url(models.Event, "changelist"))
    assert "publish_selected" not in response.context["action_form"].fields["action"].choices.__str__()
    editor_client.post(
        admin_url(models.Event, "changelist"), {"action": "publish_selected", "_selected_action": [event.pk]}
    )
    event.refresh_from_db()
    assert event.publication == "draft"


def test_an_editor_cannot_change_a_published_record(editor_client):
    event = EventFactory(title="Published title")
    url = admin_url(models.Event, "change", event.pk)
    response = editor_client.get(url)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = editor_client.post(url, new_event_data(title="Vandalised", version=event.version))
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.title == "Published title"


def test_an_editor_cannot_delete_a_published_record_but_can_delete_a_draft(editor_client):
    published = EventFactory()
    draft = EventFactory(publication="draft")
    assert editor_client.post(admin_url(models.Event, "delete", published.pk), {"post": "yes"}).status_code == 403
    assert editor_client.post(admin_url(models.Event, "delete", draft.pk), {"post": "yes"}).status_code == 302
    assert models.Event.objects.filter(pk=published.pk).exists()
    assert not models.Event.objects.filter(pk=draft.pk).exists()


def test_an_editor_bulk_delete_including_a_published_record_deletes_nothing(editor_client):
    published = EventFactory()
    draft = EventFactory(publication="draft")
    response = editor_client.post(
        admin_url(models.Event, "changelist"),
        {"action": "delete_selected", "_selected_action": [published.pk, draft.pk], "post": "yes"},
        follow=True,
    )
    assert "only a publisher may delete" in response.content.decode()
    assert models.Event.objects.filter(pk__in=[published.pk, draft.pk]).count() == 2


def test_an_editor_cannot_change_a_published_status_period_through_the_country_form(editor_client):
    country = CountryFactory(publication="draft")
    period = RelationPeriodFactory(country=country, status="diplomatic")
    url = admin_url(models.Country, "change", country.pk)
    data = form_data(editor_client.get(url))
    data["relation_periods-0-status"] = "severed"
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "only a publisher may change it" in response.content.decode()
    period.refresh_from_db()
    assert period.status == "diplomatic"


def test_an_editor_cannot_revert_history(editor_client):
    event = EventFactory(publication="draft", title="First")
    event.title = "Second"
    event.save()
    first = event.history.order_by("history_date").first()
    url = admin_url(models.Event, "simple_history", event.pk, first.history_id)
    assert editor_client.post(url, {}).status_code == 403
    event.refresh_from_db()
    assert event.title == "Second"


def test_a_publisher_publishes_a_cited_draft_with_the_action(publisher_client):
    event = EventFactory(publication="draft")
    publisher_client.post(
        admin_url(models.Event, "changelist"), {"action": "publish_selected", "_selected_action": [event.pk]}
    )
    event.refresh_from_db()
    assert event.publication == "published"


def test_publishing_an_uncited_claim_is_refused_with_a_clear_message(publisher_client):
    event = EventFactory(publication="draft", cited=False, title="Uncited treaty")
    response = publisher_client.post(
        admin_url(models.Event, "changelist"),
        {"action": "publish_selected", "_selected_action": [event.pk]},
        follow=True,
    )
    assert "cannot be published: it has no citation" in response.content.decode()
    event.refresh_from_db()
    assert event.publication == "draft"


def test_a_publisher_publishes_a_new_event_with_the_citation_added_in_the_same_save(publisher_client):
    source = SourceFactory()
    data = with_citation(new_event_data(publication="published"), source)
    response = publisher_client.post(admin_url(models.Event, "add"), data)
    assert response.status_code == 302
    event = models.Event.objects.get(slug="treaty-of-test")
    assert event.publication == "published"
    assert event.history.first().history_user.username == "pat"


def test_publishing_through_the_form_without_a_citation_is_a_form_error(publisher_client):
    response = publisher_client.post(admin_url(models.Event, "add"), new_event_data(publication="published"))
    assert response.status_code == 200
    assert "needs at least one citation" in response.content.decode()
    assert not models.Event.objects.exists()


def test_removing_the_last_citation_of_a_published_claim_is_a_form_error(publisher_client):
    event = EventFactory()
    url = admin_url(models.Event, "change", event.pk)
    data = form_data(publisher_client.get(url))
    data[f"{CITATIONS}-0-DELETE"] = "on"
    response = publisher_client.post(url, data)
    assert response.status_code == 200
    assert "needs at least one citation" in response.content.decode()
    assert event.citations.count() == 1


def test_publishing_an_unverified_record_is_a_form_error(publisher_client):
    source = SourceFactory()
    data = with_citation(new_event_data(publication="published", unverified="on"), source)
    response = publisher_client.post(admin_url(models.Event, "add"), data)
    assert response.status_code == 200
    assert "unverified record cannot be published" in response.content.decode()


def test_a_publisher_unpublishes_with_the_action(publisher_client):
    event = EventFactory()
    publisher_client.post(
        admin_url(models.Event, "changelist"), {"action": "unpublish_selected", "_selected_action": [event.pk]}
    )
    event.refresh_from_db()
    assert event.publication == "draft"


def test_a_publisher_deletes_a_published_record(publisher_client):
    event = EventFactory()
    assert publisher_client.post(admin_url(models.Event, "delete", event.pk), {"post": "yes"}).status_code == 302
    assert not models.Event.objects.filter(pk=event.pk).exists()


def test_new_status_periods_added_on_the_country_form_start_as_drafts(publisher_client):
    country = CountryFactory()
    url = admin_url(models.Country, "change", country.pk)
    data = form_data(publisher_client.get(url))
    data.update(
        {
            "relation_periods-TOTAL_FORMS": "1",
            "relation_periods-0-status": "diplomatic",
            "relation_periods-0-starts_on": "1921-01-01",
            "relation_periods-0-starts_on_precision": "year",
            "relation_periods-0-ends_on_precision": "day",
            "relation_periods-0-publication": "published",
        }
    )
    assert publisher_client.post(url, data).status_code == 302
    assert country.relation_periods.get().publication == "draft"


def test_staff_preview_link_points_at_the_public_page_of_a_draft(publisher_client):
    event = EventFactory(publication="draft")
    response = publisher_client.get(admin_url(models.Event, "change", event.pk))
    assert response.context["absolute_url"].startswith("/admin/r/")
    redirect = publisher_client.get(response.context["absolute_url"])
    assert redirect.status_code == 302
    assert redirect["Location"].endswith(event.get_absolute_url())


def test_create_editor_makes_a_staff_account_in_the_editor_group(monkeypatch):
    monkeypatch.setenv("EDITOR_PASSWORD", "a-long-enough-passphrase-42")
    out = io.StringIO()
    call_command("create_editor", "alice", "--email", "alice@example.org", "--no-input", stdout=out)
    user = get_user_model().objects.get(username="alice")
    assert user.is_staff and not user.is_superuser
    assert user.check_password("a-long-enough-passphrase-42")
    assert list(user.groups.values_list("name", flat=True)) == ["Editor"]
    assert not can_publish(user)
    assert "Created Editor account" in out.getvalue()


def test_create_editor_with_publisher_grants_publishing(monkeypatch):
    monkeypatch.setenv("EDITOR_PASSWORD", "a-long-enough-passphrase-42")
    call_command("create_editor", "bob", "--publisher", "--no-input", stdout=io.StringIO())
    user = get_user_model().objects.get(username="bob")
    assert can_publish(user)


def test_create_editor_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("EDITOR_PASSWORD", "short")
    with pytest.raises(CommandError):
        call_command("create_editor", "carol", "--no-input", stdout=io.StringIO())
    assert not get_user_model().objects.filter(username="carol").exists()


def test_an_editor_can_change_a_draft_and_history_records_who(editor_client, editor_user):
    event = EventFactory(publication="draft", title="Old title", date=datetime.date(1950, 6, 1))
    url = admin_url(models.Event, "change", event.pk)
    data = form_data(editor_client.get(url))
    data["title"] = "New title"
    assert editor_client.post(url, data).status_code == 302
    event.refresh_from_db()
    assert event.title == "New title"
    assert event.history.first().history_user == editor_user


def test_citations_of_a_published_record_are_read_only_for_an_editor(editor_client):
    event = EventFactory()
    citation = event.citations.get()
    response = editor_client.get(admin_url(models.Citation, "change", citation.pk))
    assert not response.context["has_change_permission"]
    draft_citation = cite(EventFactory(publication="draft"))
    response = editor_client.get(admin_url(models.Citation, "change", draft_citation.pk))
    assert response.context["has_change_permission"]


def test_an_editor_cannot_attach_a_citation_to_a_published_record_from_the_citation_list(editor_client):
    from django.contrib.contenttypes.models import ContentType

    event = EventFactory()
    response = editor_client.post(
        admin_url(models.Citation, "add"),
        {
            "content_type": ContentType.objects.get_for_model(models.Event).pk,
            "object_id": event.pk,
            "source": SourceFactory().pk,
            "locator": "p. 3",
            "order": 0,
        },
    )
    assert response.status_code == 200
    assert "only a publisher may change what is attached to it" in response.content.decode()
    assert event.citations.count() == 1


def test_making_a_date_claim_preferred_copies_its_date_onto_a_draft(editor_client):
    from tests.factories import date_claim

    event = EventFactory(publication="draft", date=datetime.date(1950, 6, 1))
    claim = date_claim(event, "date", datetime.date(1950, 6, 3))
    response = editor_client.post(
        admin_url(models.DateClaim, "changelist"),
        {"action": "make_preferred", "_selected_action": [claim.pk]},
        follow=True,
    )
    assert "is now the record" in response.content.decode()
    event.refresh_from_db()
    assert event.date == datetime.date(1950, 6, 3)


def test_an_editor_cannot_make_a_claim_preferred_on_a_published_record(editor_client):
    from tests.factories import date_claim

    event = EventFactory(date=datetime.date(1950, 6, 1))
    claim = date_claim(event, "date", datetime.date(1950, 6, 3))
    editor_client.post(
        admin_url(models.DateClaim, "changelist"), {"action": "make_preferred", "_selected_action": [claim.pk]}
    )
    event.refresh_from_db()
    assert event.date == datetime.date(1950, 6, 1)


def test_an_editor_cannot_delete_a_draft_whose_deletion_would_remove_published_records(editor_client):
    from tests.factories import HeadOfMissionFactory, MissionFactory

    mission = MissionFactory(publication="draft")
    HeadOfMissionFactory(mission=mission)
    response = editor_client.post(admin_url(models.Mission, "delete", mission.pk), {"post": "yes"})
    assert response.status_code == 403
    assert models.Mission.objects.filter(pk=mission.pk).exists()
