import json
import os
import subprocess
import sys

from django.conf import settings


def run_django(script, tmp_path, **env):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "afrelations.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + script],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_the_site_still_serves_and_saves_when_redis_is_down(tmp_path):
    """Nothing listens on port 1: every cache call fails, is logged, and the request carries on."""
    script = (
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.test import Client; from relations.models import Country;"
        "Country.objects.create(slug='ruritania', name='Ruritania', kind='state', publication='published');"
        "c = Client(raise_request_exception=False);"
        "r1 = c.get('/countries/ruritania/'); r2 = c.get('/healthz');"
        "import json; print(json.dumps([r1.status_code, r2.status_code]))"
    )
    result = run_django(script, tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    statuses = json.loads(result.stdout.strip().splitlines()[-1])
    assert statuses[1] == 200
    assert statuses[0] != 500
    assert "Error" in result.stderr or "error" in result.stderr  # the cache failure is logged
