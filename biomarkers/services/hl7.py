"""HL7 v2 message control ids (MSH-10): a retransmitted message is acknowledged, not applied."""

from django.db import IntegrityError, transaction

from biomarkers.models import Hl7Message, LabSource


def hl7_message_claim(*, source: LabSource, control_id: str) -> Hl7Message | None:
    """Record MSH-10 as applied; None when this source already sent it (a retransmission).

    The unique constraint decides, so two copies racing each other apply once: the second
    insert waits for the first transaction and then fails.
    """
    try:
        with transaction.atomic():
            return Hl7Message.objects.create(source=source, control_id=control_id, ack_code="AA")
    except IntegrityError:
        return None


def hl7_message_previous(*, source: LabSource, control_id: str) -> Hl7Message:
    return Hl7Message.objects.get(source=source, control_id=control_id)


def hl7_message_acknowledged(*, message: Hl7Message, ack_code: str) -> None:
    message.ack_code = ack_code
    message.save(update_fields=["ack_code"])
