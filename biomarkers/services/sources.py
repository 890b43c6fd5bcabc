"""Sources of results: with its external id, a source is the idempotency key of a result.

One per laboratory key, one for manual entry, one per CSV feed and uploader.
"""

from django.db import IntegrityError, transaction

from biomarkers.models import LabClient, LabSource, SourceKind


def _source_get_or_create(*, code: str, **defaults) -> LabSource:
    """get_or_create that survives a concurrent creator (the unique code decides)."""
    source = LabSource.objects.filter(code=code).first()
    if source is not None:
        return source
    try:
        with transaction.atomic():
            return LabSource.objects.create(code=code, **defaults)
    except IntegrityError:
        return LabSource.objects.get(code=code)


def lab_source_for_client(*, lab_client: LabClient) -> LabSource:
    """The source of everything a laboratory system posts with its key."""
    return _source_get_or_create(
        code=f"lab:{lab_client.prefix}", name=lab_client.name, kind=SourceKind.LAB,
        lab_client=lab_client,
    )  # fmt: skip


def lab_source_of_client(*, lab_client: LabClient) -> LabSource | None:
    """The source a laboratory key has posted to; None before its first result.

    For the key's read-backs: reading creates no source (posting does, above).
    """
    return LabSource.objects.filter(lab_client=lab_client).first()


def lab_source_manual() -> LabSource:
    return _source_get_or_create(code="manual", name="Manual entry", kind=SourceKind.MANUAL)


def lab_source_for_file(*, name: str, owner) -> LabSource:
    """A CSV feed: identifiers are unique within one feed, and a feed is its owner's.

    Keyed to the uploader, not to the free-text name alone: a second coordinator typing
    the same name gets a feed of their own, so nobody can amend or retract another
    person's results by reusing a name. ``owner=None`` is for management commands only.
    """
    label = " ".join(name.split())[:100] or "CSV upload"
    owner_part = f"u{owner.pk}:" if owner is not None else ""
    code = f"file:{owner_part}{label.casefold()}"[:80]
    return _source_get_or_create(code=code, name=label, kind=SourceKind.FILE, owner=owner)
