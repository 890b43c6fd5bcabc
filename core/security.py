"""Response headers and session limits that apply to every request (docs/security.md,
"Safe defaults and headers"). The Content-Security-Policy itself comes from django-csp.

- NoStoreMiddleware: nothing the application generates is kept by a browser or a proxy.
  Pages and API answers carry patient data and the registry runs on shared ward PCs: a
  cached page would outlive the log-out (back button, disk cache, a proxy between).
- AbsoluteSessionLifetimeMiddleware: a session ends SESSION_ABSOLUTE_SECONDS after its
  log-in whatever its activity, besides the idle timeout (SESSION_COOKIE_AGE, renewed on
  every request): a stolen or forgotten session cannot be kept alive forever.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.cache import add_never_cache_headers

# When the current log-in's session began (seconds since the epoch).
SESSION_STARTED_KEY = "registry_session_started"
# The clock, a name the tests can move forward.
clock = time.time


class NoStoreMiddleware:
    """`Cache-Control: no-store` (and Django's other never-cache headers) on every
    response the application builds. Static files never get here: WhiteNoise answers
    them earlier in MIDDLEWARE, fingerprinted and cacheable, as they hold no data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class AbsoluteSessionLifetimeMiddleware:
    """Log out a session older than SESSION_ABSOLUTE_SECONDS; the request then goes on as
    anonymous (pages redirect to the log-in page, the API answers 401/403)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and _expired(request.session):
            logout(request)  # flushes the session: a new log-in starts a new lifetime
            if not request.path.startswith("/api/"):
                hours = settings.SESSION_ABSOLUTE_SECONDS / 3600
                messages.info(request, f"Sessions last at most {hours:g} hours whatever the "
                                       "activity: please log in again.")
        response = self.get_response(request)
        # Stamped on the first authenticated answer, the log-in request itself included.
        if request.user.is_authenticated and SESSION_STARTED_KEY not in request.session:
            request.session[SESSION_STARTED_KEY] = clock()
        return response


def _expired(session) -> bool:
    started = session.get(SESSION_STARTED_KEY)
    return started is not None and clock() - started > settings.SESSION_ABSOLUTE_SECONDS
