"""Building blocks shared by every app's services (core imports no app).

Services validate and save a record through `model_save`, so a rule the database holds
gives the same 400 whether the service's checks or the database catch it first.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


def model_save(instance, *, actor, update_fields: Iterable[str] | None = None) -> None:
    """full_clean + save, turning a constraint race lost at the database into a 400.

    `actor` is recorded as the user of the history row (django-simple-history). With
    `update_fields`, only those columns are written.
    """
    instance.full_clean()
    instance._history_user = actor
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as exc:
        # Another request won the race between validation and insert.
        raise ValidationError(
            "This record conflicts with one saved a moment ago; reload and try again."
        ) from exc
