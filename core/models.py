"""Abstract base models shared by every app, and the record of submitted form tokens."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    """Adds created/modified timestamps, set by the database layer on save."""

    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


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
