"""The home page and friendly error pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from registry import selectors
from registry.access import role_of, sites_visible_to


@login_required
def home(request):
    patients = selectors.patient_list(user=request.user)
    return render(
        request,
        "core/home.html",
        {
            "role": role_of(request.user),
            "sites": sites_visible_to(request.user),
            "patient_count": patients.count(),
            "recent": patients.order_by("-modified_at")[:8],
        },
    )


def csrf_failure(request, reason=""):
    """Shown when a form is posted with a missing or stale security token."""
    return render(request, "errors/csrf.html", {"reason": reason}, status=403)


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # Rendered without context processors: the database may be what failed.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
