"""Abstract base models shared by every app."""

from django.db import models


class TimeStampedModel(models.Model):
    """Adds created/modified timestamps, set by the database layer on save."""

    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
