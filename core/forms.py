"""Helpers shared by HTML forms and the views that show them."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.shortcuts import render


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, errors)


def save_or_rerender(request, form, *, save, template: str, context: dict):
    """A one-form page: on a valid POST run `save(cleaned_data)` (a service call that
    returns the response, usually a redirect); when the service refuses, roll its writes
    back and show the form again, with the messages next to their fields, as a 400."""
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                return save(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"form": form, **context}, status=status)
