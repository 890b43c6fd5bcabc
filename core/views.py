"""Friendly error pages (the home page is longitudinal.views.home)."""

import sys

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from core.transient import is_transient, log_transient, transient_response


def csrf_failure(request, reason=""):
    """Shown when a form is posted with a missing or stale security token."""
    return render(request, "errors/csrf.html", {"reason": reason}, status=403)


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # A database or broker failure outside any view (e.g. saving the session) is still
    # "try again", not "something went wrong" (core.transient).
    failure = sys.exc_info()[1]
    if is_transient(failure):
        log_transient(failure, request.path)
        return transient_response(request)
    # Rendered without context processors: the database may be what failed.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
