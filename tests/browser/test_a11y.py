"""axe-core finds no serious or critical accessibility violation on any page type."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.site_data import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

PAGE_TYPES = [
    "/",
    "/eras/",
    "/eras/old-era/",
    "/countries/",
    "/countries/?region=atlantis",
    "/countries/by-establishment/",
    "/countries/alphaland/",
    "/relations/?on=1960-01-01",
    "/relations/?on=nonsense",
    "/missions/",
    "/events/",
    "/events/?kind=nope",
    "/events/alpha-treaty/",
    "/sources/",
    "/sources/test-book/",
    "/organisations/",
    "/search/?q=alphaland",
    "/no/such/page/",
]


@pytest.fixture
def audit_page(browser, live_server):
    build_world()
    # axe is injected as a script, which the site's strict CSP (rightly) blocks.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    yield page, live_server.url
    context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_no_serious_or_critical_accessibility_violations_on_any_page_type(audit_page, width):
    page, base = audit_page
    page.set_viewport_size({"width": width, "height": 900})
    problems = []
    for path in PAGE_TYPES:
        page.goto(base + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
        )
        for violation in result["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"][:3]]
                problems.append(f"{path}: {violation['id']} ({violation['impact']}) {targets}")
    assert not problems, "\n".join(problems)
