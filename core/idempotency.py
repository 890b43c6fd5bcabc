"""One-time form tokens: a form submission is recorded once, whatever the repeats.

Every POST form renders `{% form_token %}` next to `{% csrf_token %}`: a fresh random
token, signed with a timestamp. Every view that writes is decorated with
`@idempotent_form` (below `@login_required`). On POST the decorator, inside the
request's transaction and before the view runs:

1. inserts the token into `core.FormSubmission` (unique). A second submission of the
   same token meets the unique index: on PostgreSQL its INSERT waits until the first
   transaction ends, so two racing submits are serialised by the database, not by a
   lock in this process;
2. runs the view. A redirect means the submission was recorded (Post/Redirect/Get): the
   token row is kept with the redirect's target. Anything else (a form shown again with
   its errors, "calculate" on the visit page) deletes the row in the same transaction,
   so the corrected form can be sent again with the same token; an exception rolls the
   row back with everything else;
3. a token that was already recorded is answered with a redirect to where the first
   submission went and the message "already recorded"; nothing runs, nothing is stored.

A POST without a token (an API client, a script) runs the view unguarded: the guard is
for pages, and tests/core/test_idempotency_coverage.py checks that every POST form in
templates/ renders the token and every view that handles POST is decorated.
"""

import functools
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils import timezone

from core.models import FormSubmission

FIELD = "form_token"
ALREADY_RECORDED = (
    "This form had already been submitted and was recorded then; it was not stored again."
)
_SALT = "core.idempotency.form_token"


class FormTokenRefused(Exception):
    """A token that cannot be honoured; the message says what the person can do."""


def form_token_new() -> str:
    """A fresh token for one rendering of a form (random, signed with the time)."""
    return signing.TimestampSigner(salt=_SALT).sign(uuid.uuid4().hex)


def form_token_parse(value: str) -> uuid.UUID:
    """The token's id; refuses forged, damaged and expired tokens."""
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        return uuid.UUID(hex=signer.unsign(value, max_age=settings.FORM_TOKEN_MAX_AGE))
    except signing.SignatureExpired:
        raise FormTokenRefused(
            "This form was opened too long ago to be submitted. Open the page again, "
            "check what is already recorded, and enter the data again if needed."
        ) from None
    except (signing.BadSignature, ValueError):
        raise FormTokenRefused(
            "This form's submission token is damaged. Open the page again and resubmit."
        ) from None


def idempotent_form(view):
    """Record a form submission once per form token (see the module docstring)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        value = request.POST.get(FIELD) if request.method == "POST" else None
        if not value or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        try:
            token = form_token_parse(value)
        except FormTokenRefused as exc:
            return _refuse(request, str(exc))
        with transaction.atomic():
            claim = _claim(request, token)
            if claim is None:
                return _already_recorded(request, token)
            response = view(request, *args, **kwargs)
            if 300 <= response.status_code < 400 and response.has_header("Location"):
                claim.redirect_to = response["Location"][:2000]
                claim.save(update_fields=["redirect_to"])
            else:
                claim.delete()  # not recorded: the same form may be corrected and resent
            return response

    wrapped.idempotent_form = True
    return wrapped


def _claim(request, token: uuid.UUID) -> FormSubmission | None:
    """Insert the token first; None when it was already recorded (after waiting for it)."""
    try:
        with transaction.atomic():
            return FormSubmission.objects.create(
                token=token, user=request.user, path=request.path[:300]
            )
    except IntegrityError:
        return None


def _already_recorded(request, token: uuid.UUID):
    first = FormSubmission.objects.filter(token=token).first()
    if first is None or first.user_id != request.user.pk:
        # Tokens are secret and per rendering: another account's token is not honoured,
        # and where its submission went is not revealed.
        return _refuse(request, "This form was submitted from another account. "
                                "Open the page again and resubmit.")
    messages.info(request, ALREADY_RECORDED)
    return redirect(first.redirect_to or request.path)


def _refuse(request, message: str):
    return render(request, "errors/form_token.html", {"message": message}, status=400)


def form_submissions_purge(*, now=None) -> int:
    """Forget tokens older than FORM_TOKEN_MAX_AGE: such tokens are refused anyway."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.FORM_TOKEN_MAX_AGE)
    deleted, _ = FormSubmission.objects.filter(submitted_at__lt=cutoff).delete()
    return deleted
