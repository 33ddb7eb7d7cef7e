"""The whole editor journey in a real browser, with the site's strict CSP in force.

An Editor adds an event with a citation and cannot publish it; a Publisher
publishes it; it appears on the public site; the Publisher reverts an edit from
history; two editors edit one record and the second save is refused.
"""

import importlib
import re

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from relations.models import Event
from tests.factories import PASSWORD, EventFactory, SourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

roles = importlib.import_module("relations.migrations.0002_editor_and_publisher_groups")


@pytest.fixture
def people(db):
    """Role groups as the data migration makes them (a transactional test starts from an empty database)."""
    for name, codenames in (("Editor", roles.EDITOR), ("Publisher", roles.PUBLISHER)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="relations", codename__in=codenames))
    return {
        "editor": UserFactory(username="eddie", is_staff=True, groups=["Editor"]),
        "colleague": UserFactory(username="erin", is_staff=True, groups=["Editor"]),
        "publisher": UserFactory(username="pat", is_staff=True, groups=["Editor", "Publisher"]),
    }


@pytest.fixture
def csp_violations():
    return []


def open_page(browser, live_server, csp_violations):
    context = browser.new_context()
    page = context.new_page()
    page.on(
        "console",
        lambda message: csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.set_default_timeout(10_000)
    page.base = live_server.url
    return page


def log_in(page, username):
    page.goto(f"{page.base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


def choose_source(page, row, title):
    """Pick a source in a citation row's autocomplete, as a person does: click, type, choose."""
    row.locator(".select2-selection").click()
    page.locator(".select2-dropdown .select2-search__field").fill(title.split()[-1])
    page.locator(".select2-results__option", has_text=title).click()


def test_editor_journey(browser, live_server, people, csp_violations):
    source = SourceFactory(title="Afghanistan's Foreign Affairs to the Mid-Twentieth Century")

    # An Editor adds an event with a citation...
    editor = open_page(browser, live_server, csp_violations)
    log_in(editor, "eddie")
    expect(editor.locator(".editor-dashboard")).to_be_visible()
    editor.goto(f"{editor.base}/admin/relations/event/add/")
    editor.locator("#id_title").press_sequentially("Anglo-Afghan Treaty of test")
    expect(editor.locator("#id_slug")).to_have_value("anglo-afghan-treaty-of-test")  # admin JS runs under CSP
    editor.fill("#id_date", "1921-11-22")
    editor.select_option("#id_kind", "treaty")
    # ...and cannot publish it: the publication field is not editable for an Editor.
    expect(editor.locator("#id_publication")).to_have_count(0)
    row = editor.locator("#relations-citation-content_type-object_id-0")
    choose_source(editor, row, source.title)
    row.locator("input[name$='-locator']").fill("p. 199")
    editor.click("input[name=_save]")
    expect(editor.locator(".messagelist")).to_contain_text("was added successfully")
    event = Event.objects.get(slug="anglo-afghan-treaty-of-test")
    assert event.publication == "draft"
    assert event.citations.get().locator == "p. 199"

    # Nor through the changelist: there is no publish action for an Editor.
    editor.goto(f"{editor.base}/admin/relations/event/")
    expect(editor.locator("select[name=action] option[value=publish_selected]")).to_have_count(0)

    # The public site does not show a draft to readers.
    reader = open_page(browser, live_server, csp_violations)
    response = reader.goto(f"{reader.base}{event.get_absolute_url()}")
    assert response.status == 404

    # A Publisher publishes it.
    publisher = open_page(browser, live_server, csp_violations)
    log_in(publisher, "pat")
    publisher.goto(f"{publisher.base}/admin/relations/event/")
    publisher.check(f"input[name=_selected_action][value='{event.pk}']")
    publisher.select_option("select[name=action]", "publish_selected")
    publisher.click("button[name=index]")
    expect(publisher.locator(".messagelist")).to_contain_text("Published 1 record")

    # It appears on the public site.
    response = reader.goto(f"{reader.base}{event.get_absolute_url()}")
    assert response.status == 200
    expect(reader.locator("h1")).to_contain_text("Anglo-Afghan Treaty of test")

    # The Publisher edits the title, then reverts the edit from history.
    publisher.goto(f"{publisher.base}/admin/relations/event/{event.pk}/change/")
    publisher.fill("#id_title", "A mistaken title")
    publisher.click("input[name=_save]")
    expect(publisher.locator(".messagelist")).to_contain_text("was changed successfully")
    publisher.goto(f"{publisher.base}/admin/relations/event/{event.pk}/history/")
    expect(publisher.locator("#change-history")).to_contain_text("A mistaken title")
    published_version = Event.history.filter(id=event.pk, history_change_reason="published").get()
    publisher.click(f"a[href$='/history/{published_version.history_id}/']")
    publisher.click("input[name=_save][value=Revert]")
    expect(publisher.locator(".messagelist")).to_contain_text("was reverted")
    event.refresh_from_db()
    assert event.title == "Anglo-Afghan Treaty of test"
    assert event.publication == "published"
    reader.goto(f"{reader.base}{event.get_absolute_url()}")
    expect(reader.locator("h1")).to_contain_text("Anglo-Afghan Treaty of test")

    # Two editors edit the same draft: the second save is refused and shows what changed.
    draft = EventFactory(title="Visit of test", publication="draft")
    colleague = open_page(browser, live_server, csp_violations)
    log_in(colleague, "erin")
    url = f"/admin/relations/event/{draft.pk}/change/"
    editor.goto(f"{editor.base}{url}")
    colleague.goto(f"{colleague.base}{url}")
    editor.fill("#id_summary", "The editor's summary.")
    editor.click("input[name=_save]")
    expect(editor.locator(".messagelist")).to_contain_text("was changed successfully")
    colleague.fill("#id_title", "Visit of test (corrected)")
    colleague.click("input[name=_save]")
    expect(colleague.locator(".errornote, .errorlist").first).to_be_visible()
    expect(colleague.locator("#event_form")).to_contain_text(re.compile(r"changed by eddie after you opened it"))
    expect(colleague.locator("#event_form")).to_contain_text("The editor's summary.")
    draft.refresh_from_db()
    assert (draft.title, draft.summary) == ("Visit of test", "The editor's summary.")
    # The colleague's edit is still in the form: saving again applies it on top.
    expect(colleague.locator("#id_title")).to_have_value("Visit of test (corrected)")
    colleague.click("input[name=_save]")
    expect(colleague.locator(".messagelist")).to_contain_text("was changed successfully")
    draft.refresh_from_db()
    assert (draft.title, draft.summary) == ("Visit of test (corrected)", "The editor's summary.")

    assert csp_violations == []
