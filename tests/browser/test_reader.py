"""A reader in a real browser: reading, following footnotes, filtering, using the keyboard, on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.site_data import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server):
    build_world()
    return live_server.url


def test_reader_goes_from_home_to_an_era_to_a_country_and_follows_a_footnote_there_and_back(page, site):
    page.goto(site + "/")
    page.get_by_role("link", name="Old era").first.click()
    expect(page).to_have_url(site + "/eras/old-era/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Old era")

    page.get_by_role("link", name="Alphaland").first.click()
    expect(page).to_have_url(site + "/countries/alphaland/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Afghanistan and Alphaland")

    footnote = page.locator("sup.fn a").first
    number = footnote.inner_text().strip("[]")
    footnote.click()
    expect(page).to_have_url(re.compile(rf"#ref-{number}$"))
    reference = page.locator(f"#ref-{number}")
    expect(reference).to_be_in_viewport()
    expect(reference).to_contain_text("Test Press")

    reference.locator(".backlinks a").first.click()
    expect(page).to_have_url(re.compile(rf"#cite-{number}-1$"))
    expect(page.locator(f"#cite-{number}-1")).to_be_in_viewport()


def test_reader_filters_events_by_kind_and_era(page, site):
    page.goto(site + "/events/")
    expect(page.locator(".event-results > li")).to_have_count(3)
    page.get_by_label("Kind").select_option("relations_severed")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"kind=relations_severed"))
    expect(page.locator(".event-results > li")).to_have_count(1)
    expect(page.locator(".event-results")).to_contain_text("Relations with Alphaland broken off")

    page.get_by_label("Kind").select_option("")
    page.get_by_label("Era").select_option("old-era")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".event-results > li")).to_have_count(1)
    expect(page.locator(".event-results")).to_contain_text("Treaty with Alphaland")


def test_reader_picks_a_date_and_sees_the_relations_that_held(page, site):
    page.goto(site + "/relations/")
    page.get_by_label("Date").fill("1985-06-01")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"on=1985-06-01"))
    expect(page.locator("#status-severed")).to_be_visible()
    expect(page.locator("svg.world-map")).to_be_visible()


def test_reader_uses_the_site_by_keyboard(page, site):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))

    page.goto(site + "/")
    eras = page.get_by_role("navigation", name="Main").get_by_role("link", name="Eras")
    for _ in range(10):
        page.keyboard.press("Tab")
        if eras.evaluate("el => el === document.activeElement"):
            break
    expect(eras).to_be_focused()
    outline = eras.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline not in ("none", ""), "focus must be visible"
    page.keyboard.press("Enter")
    expect(page).to_have_url(site + "/eras/")

    page.goto(site + "/events/")
    page.get_by_label("Kind").focus()
    page.keyboard.press("ArrowDown")  # moves the selection without opening the list
    page.get_by_role("button", name="Apply filters").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"kind="))


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_fit_the_screen_from_phone_to_desktop(page, site, width):
    # A web address is one long word: in a reference it must wrap, not widen the page.
    from relations.models import Source

    source = Source.objects.get(slug="test-book")
    source.url = "https://example.org/" + "averylongaddresswithoutanyplacetobreak" * 10
    source.save()
    page.set_viewport_size({"width": width, "height": 800})
    for path in ("/", "/eras/old-era/", "/countries/alphaland/", "/missions/", "/events/", "/sources/"):
        page.goto(site + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at {width}px"


def test_pages_read_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/countries/alphaland/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Afghanistan and Alphaland")
    expect(page.locator("#references-heading")).to_be_visible()
    context.close()
