"""Rate limits for anonymous and signed-in clients.

The rates are read from settings on every request (not frozen at import), so they
follow ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` wherever it is set. Behind a
proxy, ``NUM_PROXIES`` tells DRF which X-Forwarded-For address is the client's.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class SettingsRateMixin:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(SettingsRateMixin, throttling.AnonRateThrottle):
    pass


class UserThrottle(SettingsRateMixin, throttling.UserRateThrottle):
    pass
