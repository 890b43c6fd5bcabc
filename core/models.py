"""Abstract base models shared by every app, and the record of submitted form tokens."""

from collections.abc import Mapping
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    """Adds created/modified timestamps, set by the database layer on save."""

    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ConstraintFieldsMixin:
    """Shows each check constraint's message next to the field it is about.

    Django reports a violated check constraint as an error of the whole record, shown
    above the form. A model whose constraints each concern one field lists them in
    `constraint_fields` (constraint name -> field name); full_clean then names that
    field, in a page's form and in the API's `errors` alike, so services need not repeat
    the rule to place its message.
    """

    constraint_fields: ClassVar[Mapping[str, str]] = {}

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            raise ValidationError(self._errors_on_fields(exc.error_dict)) from None

    def _errors_on_fields(self, errors: dict) -> dict:
        # The error keeps the constraint's message, not its name: match on the message.
        field_of = {
            constraint.get_violation_error_message(): self.constraint_fields[constraint.name]
            for constraint in self._meta.constraints
            if constraint.name in self.constraint_fields
        }
        placed: dict[str, list] = {}
        for field, field_errors in errors.items():
            for error in field_errors:
                target = field_of.get(error.message, field) if field == NON_FIELD_ERRORS else field
                placed.setdefault(target, []).append(error)
        return placed


class FormSubmission(models.Model):
    """A form submission that was recorded, keyed by its one-time form token.

    core/idempotency.py inserts the row first in the submission's transaction: the unique
    token makes a repeat (double click, back + resubmit, two racing requests) wait for the
    first and then answer "already recorded" instead of storing the data twice.
    """

    token = models.UUIDField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=300)
    # Where the first submission went (its redirect), so a repeat lands on the same page.
    redirect_to = models.CharField(max_length=2000, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token"], name="form_submission_token_once"),
        ]

    def __str__(self) -> str:
        return f"{self.token} → {self.redirect_to}"
