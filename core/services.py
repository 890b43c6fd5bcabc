"""Building blocks shared by every app's services (core imports no app).

Services validate and save a record through `model_save`, so a rule the database holds
gives the same 400 whether the service's checks or the database catch it first. Update
services take each field as a keyword argument defaulting to `UNCHANGED`, give the
instance the ones passed with `set_fields`, and write only those columns.
"""

from collections.abc import Iterable
from typing import Final, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


class Unchanged:
    """The type of UNCHANGED: "leave this field as it is" in an update service."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = Unchanged()

T = TypeVar("T")
# An update service's argument: a new value, or UNCHANGED (e.g. `OrUnchanged[str]`).
OrUnchanged = T | Unchanged


def set_fields(instance, **values) -> list[str]:
    """Give `instance` every value that is not UNCHANGED; the names of the fields set."""
    changed = [name for name, value in values.items() if value is not UNCHANGED]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


def model_save(instance, *, actor, update_fields: Iterable[str] | None = None) -> None:
    """full_clean + save, turning a constraint race lost at the database into a 400.

    `actor` is recorded as the user of the history row (django-simple-history). With
    `update_fields`, only those columns are written, and the `auto_now` timestamps
    (`modified_at`), which the changed-since scans of the dashboard rely on.
    """
    instance.full_clean()
    instance._history_user = actor
    if update_fields is not None:
        stamps = [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]
        update_fields = [*update_fields, *stamps]
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as exc:
        # Another request won the race between validation and insert.
        raise ValidationError(
            "This record conflicts with one saved a moment ago; reload and try again."
        ) from exc
