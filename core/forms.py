"""Helpers shared by HTML forms."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, errors)
