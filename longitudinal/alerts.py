"""Alert rules: a biomarker above its threshold, a worsening frailty category, a CFS rise
of 2 or more, an SPPB drop of 2 or more. Evaluated for a set of patients; each rule fires
once per record that triggers it (unique constraint), so re-evaluating is harmless and
several processes may evaluate at once.

Acknowledging an alert is a clinical act on the patient's record: only people who may
write patient data of the patient's site (clinicians there, administrators) may do it or
withdraw it, a withdrawal needs a reason, and both stay in the alert's history, shown on
the timeline and in the patient history.
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from assessments.comparison import CATEGORY_RANK
from assessments.selectors import assessment_scores_in_date_order
from biomarkers.selectors import lab_results_flagged_for_patients
from longitudinal.models import Alert, AlertKind
from registry.access import can_write_patients, patients_visible_to
from registry.selectors import HistoryEntry

# Threshold flags (biomarkers.catalogue) that mean "above": the ones worth an alert.
HIGH_FLAG_WORDS = ("HIGH", "ABOVE", "ACUTE", "CUTOFF")
CFS_RISE, SPPB_DROP = 2, 2


def _lab_alerts(patient_ids) -> list[Alert]:
    """Results flagged above a threshold; most results carry no flag, so the database
    leaves those out and only a few columns of the rest are read."""
    rows = lab_results_flagged_for_patients(patient_ids=patient_ids)
    alerts = []
    for pk, patient_id, name, comparator, value, unit, collected_at, flags in rows:
        for code, label in map(flag_parts, flags):
            if is_high_flag(code):
                alerts.append(Alert(
                    patient_id=patient_id, kind=AlertKind.BIOMARKER_HIGH,
                    source=f"lab:{pk}:{code}"[:60],
                    message=f"{name} {comparator}{value.normalize():f} {unit}: {label}"[:300],
                    observed_on=collected_at.date(),
                ))
    return alerts


def is_high_flag(code: str) -> bool:
    """Whether a threshold flag of the catalogue means "above" (an alert, a red band)."""
    return any(word in code for word in HIGH_FLAG_WORDS)


def flag_parts(flag) -> tuple[str, str]:
    """(code, label) of a result flag, stored as {"code", "label", ...} or a bare code."""
    if isinstance(flag, dict):
        return flag.get("code", ""), flag.get("label") or flag.get("code", "")
    return str(flag), str(flag)


def _assessment_alerts(patient_ids) -> list[Alert]:
    series = defaultdict(list)
    rows = assessment_scores_in_date_order(patient_ids=patient_ids)
    for pk, patient_id, date, code, score, category in rows:
        series[(patient_id, code)].append((pk, date, score, category))
    alerts = []
    for (patient_id, code), items in series.items():
        for before, after in zip(items, items[1:], strict=False):
            alerts += _pair_alerts(patient_id, code, before, after)
    return alerts


def _pair_alerts(patient_id, code, before, after) -> list[Alert]:
    pk, date, score, category = after
    _, old_date, old_score, old_category = before
    found = []
    old_rank, new_rank = CATEGORY_RANK.get(old_category), CATEGORY_RANK.get(category)
    if old_rank is not None and new_rank is not None and new_rank > old_rank:
        found.append((AlertKind.FRAILTY_WORSE, f"{code}: {old_category} → {category}"))
    if code == "cfs" and _delta(old_score, score) >= CFS_RISE:
        found.append((AlertKind.CFS_RISE, f"CFS {old_score:g} → {score:g}"))
    if code == "sppb" and _delta(score, old_score) >= SPPB_DROP:
        found.append((AlertKind.SPPB_DROP, f"SPPB {old_score:g} → {score:g}"))
    return [
        Alert(patient_id=patient_id, kind=kind, source=f"assessment:{pk}",
              message=f"{text} (since {old_date:%Y-%m-%d})", observed_on=date)
        for kind, text in found
    ]


def _delta(low, high) -> float:
    return (high - low) if low is not None and high is not None else 0


def alerts_evaluate(*, patient_ids) -> int:
    """Create the alerts these patients' records trigger; returns how many are new."""
    ids = list(patient_ids)
    candidates = _lab_alerts(ids) + _assessment_alerts(ids)
    before = Alert.objects.filter(patient_id__in=ids).count()
    Alert.objects.bulk_create(candidates, ignore_conflicts=True, batch_size=1000)
    return Alert.objects.filter(patient_id__in=ids).count() - before


def open_alerts(*, patients) -> QuerySet[Alert]:
    """Unacknowledged alerts of these patients (a queryset or a list), newest first."""
    return (
        Alert.objects.filter(patient__in=patients, acknowledged_at__isnull=True)
        .select_related("patient")
        .order_by("-observed_on", "-id")
    )


def alerts_for_timeline(*, patient) -> QuerySet[Alert]:
    """Every alert of the patient, open or acknowledged (with by whom), newest first."""
    alerts_evaluate(patient_ids=[patient.pk])  # current whatever the snapshot cache
    return (
        Alert.objects.filter(patient=patient)
        .select_related("patient", "acknowledged_by")
        .order_by("-observed_on", "-id")
    )


def can_acknowledge(user) -> bool:
    """Whether this person's role may acknowledge alerts (at their own sites)."""
    return can_write_patients(user)


def _locked_for(user, alert: Alert) -> Alert:
    """The alert, locked against a concurrent decision, if this person may act on it."""
    if not can_acknowledge(user):
        raise PermissionDenied(
            "Only clinicians of the patient's site and administrators acknowledge alerts."
        )
    if not patients_visible_to(user).filter(pk=alert.patient_id).exists():
        raise PermissionDenied("This patient is not at one of your sites.")
    return Alert.objects.select_for_update().get(pk=alert.pk)


@transaction.atomic
def alert_acknowledge(*, user, alert: Alert) -> Alert:
    alert = _locked_for(user, alert)
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = user, timezone.now()
        alert._history_user, alert._change_reason = user, "acknowledged"
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return alert


REASON_MAX = 100  # history_change_reason of django-simple-history


@transaction.atomic
def alert_acknowledgement_withdraw(*, user, alert: Alert, reason: str) -> Alert:
    """Open an acknowledged alert again; the reason is kept in its history."""
    alert = _locked_for(user, alert)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": ["Say why the acknowledgement is withdrawn."]})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [f"At most {REASON_MAX} characters."]})
    if alert.acknowledged_at is None:
        raise ValidationError("This alert is not acknowledged: there is nothing to withdraw.")
    alert.acknowledged_by = alert.acknowledged_at = None
    alert._history_user, alert._change_reason = user, reason
    alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return alert


def alert_history(*, patient, user=None) -> list[HistoryEntry]:
    """Acknowledgements and their withdrawals, for the patient history page (one query)."""
    rows = (
        Alert.history.filter(patient_id=patient.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    entries, acknowledged = [], {}
    for row in rows:
        now_acknowledged = row.acknowledged_at is not None
        if row.history_type == "~" and now_acknowledged != acknowledged.get(row.id, False):
            entries.append(HistoryEntry(
                when=row.history_date,
                who=str(row.history_user or "system"),
                record=f"alert “{row.get_kind_display()}: {row.message}”",
                action="acknowledged" if now_acknowledged else "withdrew the acknowledgement of",
                reason="" if now_acknowledged else (row.history_change_reason or ""),
            ))  # fmt: skip
        acknowledged[row.id] = now_acknowledged
    return entries
