"""Rate limits for anonymous and signed-in clients.

The rates are read from settings on every request (not frozen at import), so they
follow ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` wherever it is set. Behind a
proxy, ``NUM_PROXIES`` tells DRF which X-Forwarded-For address is the client's.

DRF's own throttles keep, per client, the list of the times of its requests in the last
period, and read and write the whole list on every request: at the anonymous limit of
600 a minute, 600 numbers unpickled and pickled twice a request (once per throttle),
sent both ways to Redis, and as many as the rate allows where it is high. These keep two
counters per client instead, this period's and the last one's, and estimate the requests
of the sliding period from them (the last period's count weighted by how much of it the
sliding period still covers): the usual "sliding window counter", a constant cost per
request whatever the rate. A request refused is not counted, as in DRF.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class SlidingWindowMixin:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        period, into = divmod(self.now, self.duration)
        self.covered = 1 - into / self.duration  # the share of the last period still inside the sliding one
        current, previous = f"{self.key}:{int(period)}", f"{self.key}:{int(period) - 1}"
        counts = self.cache.get_many([current, previous])
        self.current, self.previous = counts.get(current, 0), counts.get(previous, 0)
        if self.previous * self.covered + self.current >= self.num_requests:
            return self.throttle_failure()
        # Kept through the next period, when it is the previous one.
        if not self.cache.add(current, 1, timeout=2 * self.duration + 1):
            try:
                self.cache.incr(current)
            except ValueError:  # evicted between the two calls: this request is the period's first
                self.cache.add(current, 1, timeout=2 * self.duration + 1)
        return True

    def wait(self):
        """Seconds until a request would be allowed, if no other request comes in meanwhile."""
        if not self.num_requests:  # a limit of none: never
            return None
        if self.current < self.num_requests:
            # This period's requests fit: wait for enough of the last period to slide out.
            needed = 1 - (self.num_requests - self.current) / self.previous
            seconds = (needed - (1 - self.covered)) * self.duration
        else:
            # Into the next period, until enough of this period's requests have slid out of the window.
            seconds = self.covered * self.duration + (1 - self.num_requests / self.current) * self.duration
        # A hair more than the exact instant, at which the estimate is still at the limit; DRF
        # rounds Retry-After up to whole seconds.
        return max(seconds, 0) + 1e-3


class AnonThrottle(SlidingWindowMixin, throttling.AnonRateThrottle):
    pass


class UserThrottle(SlidingWindowMixin, throttling.UserRateThrottle):
    """Signed-in clients, by account. DRF's counts anonymous clients by address as well, under the
    anonymous limit's key and its own: two more cache round trips a request for a limit looser than
    the anonymous one, which already applies."""

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
