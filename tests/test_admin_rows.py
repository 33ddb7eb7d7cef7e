"""The change lists' rows, written once a column (``relations/templatetags/admin_rows.py``), are
Django's own ``{% result_list %}`` byte for byte: for every change list of the site, in every order,
filtered, searched, with values that need escaping, empty values, dates, booleans and links."""

import pytest
from django.contrib.admin.sites import site
from django.contrib.admin.templatetags.admin_list import result_list
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import resolve
from django.utils import translation

from relations import models
from relations.templatetags.admin_rows import Rows, covers, fast_result_list
from tests.admin_support import admin_url
from tests.factories import CountryFactory, EventFactory, MissionFactory, SourceFactory
from tests.test_admin import ALL_MODELS, make_rows

pytestmark = pytest.mark.django_db

FILTERED = {"publication__exact": "draft"}
AWKWARD = 'The "Durand" <Line> & Afghanistan\'s borders'


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "pw")


def change_list(model, user, query=None):
    request = RequestFactory().get(admin_url(model, "changelist"), query or {})
    request.user = user
    request.resolver_match = resolve(request.path)  # which the list's preserved filters read
    cl = site._registry[model].get_changelist_instance(request)
    cl.formset = None  # as changelist_view sets it for a list with no editable columns
    return cl


def rendered(context):
    return render_to_string("admin/change_list_results.html", context)


def awkward_rows():
    """Values that take every path of a cell: escaping, empty values, dates, links, drafts."""
    SourceFactory(title=AWKWARD, authors="", url="")
    SourceFactory(title="   ", publication=models.Publication.PUBLISHED)
    CountryFactory(name=AWKWARD, official_name="", region="")
    EventFactory(title=AWKWARD, countries=[CountryFactory(name="Ünïcode & <co>")])
    MissionFactory(city=AWKWARD, opened_on=None)


@pytest.mark.parametrize("model", [*ALL_MODELS, get_user_model()], ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize(
    "query",
    [None, {"o": "-2"}, {"o": "3.-1"}, {"q": "a"}, FILTERED, {"p": "2"}],
    ids=["default", "sorted", "two-columns", "searched", "filtered", "second-page"],
)
def test_the_rows_are_djangos_own(model, query, superuser, monkeypatch):
    monkeypatch.setattr(site._registry[model], "list_per_page", 4)
    make_rows(model, 6) if model is not get_user_model() else [
        get_user_model().objects.create_user(f"user{i}", f"<{i}>@example.org") for i in range(6)
    ]
    awkward_rows()
    if query == FILTERED and not hasattr(model, "publication"):
        query = {"id__gte": "2"}
    cl = change_list(model, superuser, query)
    assert covers(cl)
    ours, django = fast_result_list(cl), result_list(cl)
    assert len(ours["results"]) == len(django["results"]) == len(cl.result_list)
    if query == {"p": "2"} or not query:
        assert cl.result_list, "the list shows rows to compare"
    assert rendered(ours) == rendered(django)


def test_links_keep_the_lists_filters_and_escape_them(superuser):
    """The change URL is reversed once a list and each row's key put into it: the same URL, filters
    preserved (``_changelist_filters``), as reversing every row gives."""
    events = [EventFactory(title=AWKWARD) for _ in range(3)]
    cl = change_list(models.Event, superuser, {"q": "Durand & <Line>", "o": "2"})
    rows = Rows(cl)
    assert rows.url_template is not None and "_changelist_filters" in rows.url_template
    for event in events:
        assert rows._url(event) == (cl.url_for_result(event).rstrip("/") + "/?" + rows.url_template.split("?", 1)[1])
    page = rendered(fast_result_list(cl))
    assert page == rendered(result_list(cl))
    assert "&lt;Line&gt; &amp; Afghanistan&#x27;s" in page and "<Line>" not in page


def test_a_popup_or_an_editable_list_is_left_to_django(superuser):
    """What ``Rows`` does not write (the popup's data-popup-opener, editable rows) Django's own tag does."""
    SourceFactory()
    cl = change_list(models.Source, superuser, {"_popup": "1"})
    assert not covers(cl)
    assert rendered(fast_result_list(cl)) == rendered(result_list(cl))
    assert "data-popup-opener" in rendered(fast_result_list(cl))


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m._meta.model_name)
def test_the_change_list_page_writes_djangos_rows(model, admin_client, superuser):
    """The page itself carries the rows Django's tag writes: every admin of the record uses
    ``admin/relations/change_list_with_deleted.html`` (content) or ``admin/relations/change_list.html``
    (citations, date claims), through import-export's template where it has one."""
    make_rows(model, 3)
    awkward_rows()
    page = admin_client.get(admin_url(model, "changelist")).content.decode()
    cl = change_list(model, superuser)
    body = rendered(result_list(cl))
    tbody = body[body.index("<tbody>") : body.index("</tbody>")]
    assert tbody.count("<tr>") == len(cl.result_list) > 0
    assert tbody in page


@pytest.mark.parametrize(
    "model", [models.Mission, models.RelationPeriod, models.Event], ids=lambda m: m._meta.model_name
)
def test_choice_labels_are_translated_once_a_list_as_django_translates_them(model, superuser):
    """The labels of a field with choices are read once a list, in the language of the request."""
    make_rows(model, 3)
    with translation.override("fa"):
        cl = change_list(model, superuser)
        ours = rendered(fast_result_list(cl))
        assert ours == rendered(result_list(cl))
    with translation.override("en"):
        assert rendered(fast_result_list(change_list(model, superuser))) != ours


def test_a_cell_is_escaped_as_conditional_escape_escapes_it():
    """What a column's method may return: text, safe HTML, numbers, nothing, and lazy strings of either
    (``relations.escaping.escape``, which the admin rows and the public pages' Python writers share)."""
    from django.utils.functional import lazy
    from django.utils.html import conditional_escape
    from django.utils.safestring import SafeString, mark_safe
    from django.utils.translation import gettext_lazy

    from relations.escaping import escape

    values = [
        AWKWARD,
        mark_safe("<b>bold</b> &amp;"),  # noqa: S308 - a constant, the case under test
        42,
        None,
        gettext_lazy("Select this object for an action - {}"),
        lazy(lambda: mark_safe("<i>lazy and safe</i>"), SafeString)(),  # noqa: S308
        lazy(lambda: "<i>lazy, not safe</i>", str)(),
    ]
    for value in values:
        assert escape(value) == conditional_escape(value), value
