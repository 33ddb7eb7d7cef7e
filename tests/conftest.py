import os

import pytest
from django.core.cache import cache
from django.utils import translation

# Playwright's sync API runs an event loop in the test thread; Django's ORM guard
# would otherwise refuse the live-server tests' database access.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: the locale middleware leaves the language of a request
    (``Accept-Language: fa``) active in the thread after it, where the next test would inherit it."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


# Accounts in the two editorial roles (groups created by a data migration), logged in.
@pytest.fixture
def editor_user(db):
    from tests.factories import UserFactory

    return UserFactory(username="eddie", is_staff=True, groups=["Editor"])


@pytest.fixture
def publisher_user(db):
    from tests.factories import UserFactory

    return UserFactory(username="pat", is_staff=True, groups=["Editor", "Publisher"])


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


@pytest.fixture
def publisher_client(client, publisher_user):
    client.force_login(publisher_user)
    return client
