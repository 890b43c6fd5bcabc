"""Study services: enrolment, allocation lists, interventions, adverse events, visits
against the schedule, and the derived treatment-emergence in the safety table."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from registry import services
from registry.models import (
    AdverseEvent,
    Allocation,
    Enrollment,
    Intervention,
    InterventionKind,
    Timepoint,
)
from registry.studies import selectors as study_selectors
from registry.studies import services as study_services
from tests.factories import PatientFactory, VisitFactory
from tests.registry.conftest import INFUSION_DAY, infuse, make_study

pytestmark = pytest.mark.django_db


def _ae(**overrides):
    data = dict(
        onset_date=INFUSION_DAY + dt.timedelta(days=3), description="Pneumonia",
        severity="severe", serious=True, criterion_hospitalisation=True,
        relatedness="unrelated", outcome="recovered",
    )
    return {**data, **overrides}


# --- Studies and schedules --------------------------------------------------------------


def test_a_new_study_gets_the_default_schedule(study):
    rows = list(study.timepoints.values_list("name", "target_day", "window_before", "window_after"))
    assert rows == [
        ("Baseline", 0, 14, 0), ("Month 1", 30, 7, 7), ("Month 3", 90, 14, 14),
        ("Month 6", 180, 14, 14), ("Month 12", 365, 30, 30),
    ]


def test_clinicians_cannot_create_studies(clinician_a):
    with pytest.raises(PermissionDenied):
        study_services.study_create(actor=clinician_a, code="X", name="X")


def test_an_overlapping_timepoint_is_refused(admin_user, study):
    with pytest.raises(ValidationError) as exc:
        study_services.timepoint_create(
            actor=admin_user, study=study, code="week_5", name="Week 5", target_day=35,
            window_before=3, window_after=3,
        )
    assert "overlaps Month 1" in str(exc.value)
    assert not Timepoint.objects.filter(code="week_5").exists()


# --- Enrolment and arms -----------------------------------------------------------------


def test_an_arm_from_another_study_is_a_clear_error(admin_user, study, open_study, patient_a):
    other_arm = open_study.arms.get(code="D20")
    with pytest.raises(ValidationError) as exc:
        study_services.enrollment_create(
            actor=admin_user, patient=patient_a, study=study, arm=other_arm,
            enrolled_on=dt.date(2025, 1, 20),
        )
    assert "belongs to another study" in exc.value.message_dict["arm"][0]
    assert not Enrollment.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="composite FK is PostgreSQL-only")
def test_the_database_refuses_an_arm_from_another_study(study, open_study, patient_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            patient=patient_a, study=study, arm=open_study.arms.first(),
            enrolled_on=dt.date(2025, 1, 20),
        )


def test_a_patient_is_enrolled_once_per_study(admin_user, enrolled_a, arm):
    with pytest.raises(ValidationError) as exc:
        study_services.enrollment_create(
            actor=admin_user, patient=enrolled_a.patient, study=enrolled_a.study, arm=arm,
            enrolled_on=dt.date(2025, 1, 21),
        )
    assert "already enrolled" in str(exc.value)


def test_a_blinded_person_cannot_choose_an_arm_by_hand(clinician_a, study, arm, patient_a):
    with pytest.raises(ValidationError) as exc:
        study_services.enrollment_create(
            actor=clinician_a, patient=patient_a, study=study, arm=arm,
            enrolled_on=dt.date(2025, 1, 20),
        )
    assert "allocation list" in exc.value.message_dict["arm"][0]


def test_a_clinician_of_another_site_cannot_enrol(clinician_b, open_study, patient_a):
    with pytest.raises(PermissionDenied):
        study_services.enrollment_create(
            actor=clinician_b, patient=patient_a, study=open_study,
            arm=open_study.arms.first(), enrolled_on=dt.date(2025, 1, 20),
        )


ALLOCATIONS = "site,sequence,arm\nA,1,D100\nA,2,PBO\nB,1,D20\n"


def test_enrolment_takes_the_next_allocation_of_the_site(
    unblinded_coordinator, clinician_a, study, patient_a, site_a
):
    study_services.allocations_upload(actor=unblinded_coordinator, study=study, text=ALLOCATIONS)
    second = PatientFactory(site=site_a)
    first_enrolment = study_services.enrollment_create(
        actor=clinician_a, patient=patient_a, study=study, use_allocation=True,
        enrolled_on=dt.date(2025, 1, 20),
    )
    second_enrolment = study_services.enrollment_create(
        actor=clinician_a, patient=second, study=study, use_allocation=True,
        enrolled_on=dt.date(2025, 1, 20),
    )
    assert (first_enrolment.allocation.sequence, first_enrolment.arm.code) == (1, "D100")
    assert (second_enrolment.allocation.sequence, second_enrolment.arm.code) == (2, "PBO")
    third = PatientFactory(site=site_a)
    with pytest.raises(ValidationError) as exc:
        study_services.enrollment_create(
            actor=clinician_a, patient=third, study=study, use_allocation=True,
            enrolled_on=dt.date(2025, 1, 20),
        )
    assert "no unused entry for site A" in str(exc.value)


def test_a_reused_allocation_is_a_clear_error(unblinded_coordinator, study, patient_a, site_a):
    study_services.allocations_upload(actor=unblinded_coordinator, study=study, text=ALLOCATIONS)
    allocation = Allocation.objects.get(site=site_a, sequence=1)
    study_services.enrollment_create(
        actor=unblinded_coordinator, patient=patient_a, study=study, allocation=allocation,
        enrolled_on=dt.date(2025, 1, 20),
    )
    with pytest.raises(ValidationError) as exc:
        study_services.enrollment_create(
            actor=unblinded_coordinator, patient=PatientFactory(site=site_a), study=study,
            allocation=allocation, enrolled_on=dt.date(2025, 1, 20),
        )
    assert "cannot be reused" in exc.value.message_dict["allocation"][0]


def test_the_database_refuses_a_reused_allocation(enrolled_a, study, site_a):
    allocation = Allocation.objects.create(
        study=study, site=site_a, sequence=9, arm=enrolled_a.arm
    )
    Enrollment.objects.filter(pk=enrolled_a.pk).update(allocation=allocation)
    other = PatientFactory(site=site_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            patient=other, study=study, arm=enrolled_a.arm, allocation=allocation,
            enrolled_on=dt.date(2025, 1, 20),
        )


def test_an_upload_cannot_replace_an_allocation(unblinded_coordinator, study):
    study_services.allocations_upload(actor=unblinded_coordinator, study=study, text=ALLOCATIONS)
    with pytest.raises(ValidationError) as exc:
        study_services.allocations_upload(
            actor=unblinded_coordinator, study=study, text="site,sequence,arm\nA,3,D20\nA,1,PBO\n"
        )
    assert "Line 3: allocation 1 of site A already exists" in str(exc.value)
    assert Allocation.objects.count() == 3  # all lines or none


def test_an_upload_names_each_bad_line(unblinded_coordinator, study):
    text = "site,sequence,arm\nZ,1,D20\nA,x,D20\nA,1,NOPE\n"
    with pytest.raises(ValidationError) as exc:
        study_services.allocations_upload(actor=unblinded_coordinator, study=study, text=text)
    messages = exc.value.message_dict["file"]
    assert [m.split(":")[0] for m in messages] == ["Line 2", "Line 3", "Line 4"]


def test_a_blinded_coordinator_cannot_see_or_upload_allocations(coordinator, study):
    with pytest.raises(PermissionDenied):
        study_services.allocations_upload(actor=coordinator, study=study, text=ALLOCATIONS)


def test_changing_an_allocation_needs_a_reason_kept_in_history(unblinded_coordinator, study):
    study_services.allocations_upload(actor=unblinded_coordinator, study=study, text=ALLOCATIONS)
    allocation = Allocation.objects.get(site__code="A", sequence=1)
    placebo = study.arms.get(code="PBO")
    with pytest.raises(ValidationError) as exc:
        study_services.allocation_update(
            actor=unblinded_coordinator, allocation=allocation, arm=placebo, reason="  "
        )
    assert "reason" in exc.value.message_dict
    study_services.allocation_update(
        actor=unblinded_coordinator, allocation=allocation, arm=placebo,
        reason="Typo in the list sent by the statistician",
    )
    latest = allocation.history.latest()
    assert latest.history_change_reason == "Typo in the list sent by the statistician"
    assert latest.history_user == unblinded_coordinator and latest.arm_id == placebo.pk


def test_a_used_allocation_cannot_be_changed(unblinded_coordinator, study, patient_a):
    study_services.allocations_upload(actor=unblinded_coordinator, study=study, text=ALLOCATIONS)
    enrolment = study_services.enrollment_create(
        actor=unblinded_coordinator, patient=patient_a, study=study, use_allocation=True,
        enrolled_on=dt.date(2025, 1, 20),
    )
    with pytest.raises(ValidationError, match="used for an enrolment"):
        study_services.allocation_update(
            actor=unblinded_coordinator, allocation=enrolment.allocation,
            arm=study.arms.get(code="PBO"), reason="mistake",
        )


# --- Interventions ------------------------------------------------------------------------


def test_an_infusion_keeps_volume_rate_and_who_entered_it(admin_user, infusion_a):
    assert (infusion_a.volume_ml, infusion_a.rate_ml_min) == (Decimal(80), Decimal(2))
    assert infusion_a.entered_by == admin_user
    assert infusion_a.history.count() == 1


def test_an_intervention_before_study_enrolment_is_an_error(admin_user, enrolled_a):
    with pytest.raises(ValidationError) as exc:
        infuse(admin_user, enrolled_a, day=dt.date(2025, 1, 19))
    assert "before enrolment in MSC-DF" in exc.value.message_dict["start_date"][0]
    assert not Intervention.objects.exists()


def test_an_intervention_before_registry_enrolment_is_an_error(clinician_a, patient_a):
    with pytest.raises(ValidationError) as exc:
        study_services.intervention_create(
            actor=clinician_a, patient=patient_a, kind=InterventionKind.EXERCISE,
            product="Vivifrail", start_date=patient_a.enrolled_on - dt.timedelta(days=1),
        )
    assert "before the patient's enrolment" in exc.value.message_dict["start_date"][0]


def test_an_intervention_ending_before_it_starts_is_an_error(clinician_a, patient_a):
    with pytest.raises(ValidationError) as exc:
        study_services.intervention_create(
            actor=clinician_a, patient=patient_a, kind=InterventionKind.EXERCISE,
            product="Vivifrail", start_date=dt.date(2025, 3, 1), end_date=dt.date(2025, 2, 1),
        )
    assert "end_date" in exc.value.message_dict


def test_coordinators_record_interventions_at_their_sites_only(coordinator, patient_a, site_a):
    from tests.factories import SiteFactory

    study_services.intervention_create(
        actor=coordinator, patient=patient_a, kind=InterventionKind.NUTRITION,
        product="Whey protein", start_date=dt.date(2025, 2, 1),
    )
    elsewhere = PatientFactory(site=SiteFactory(code="C"))
    with pytest.raises(PermissionDenied):
        study_services.intervention_create(
            actor=coordinator, patient=elsewhere, kind=InterventionKind.NUTRITION,
            product="Whey protein", start_date=dt.date(2025, 2, 1),
        )


# --- Adverse events -----------------------------------------------------------------------


def test_an_adverse_event_ending_before_it_starts_is_an_error(clinician_a, patient_a):
    with pytest.raises(ValidationError) as exc:
        study_services.adverse_event_create(
            actor=clinician_a, patient=patient_a,
            **_ae(resolved_on=INFUSION_DAY + dt.timedelta(days=1)),
        )
    assert "cannot end before it starts" in exc.value.message_dict["resolved_on"][0]
    assert not AdverseEvent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"criterion_hospitalisation": False}, "serious"),         # serious, no criterion
        ({"serious": False}, "serious"),                           # criterion, not serious
        ({"criterion_death": True}, "outcome"),                    # death but not fatal
        ({"severity": "", "ctcae_grade": None}, "severity"),
    ],
)
def test_inconsistent_seriousness_is_named_on_its_field(clinician_a, patient_a, overrides, field):
    with pytest.raises(ValidationError) as exc:
        study_services.adverse_event_create(
            actor=clinician_a, patient=patient_a, **_ae(**overrides)
        )
    assert field in exc.value.message_dict


def test_an_adverse_event_update_keeps_history(clinician_a, patient_a):
    event = study_services.adverse_event_create(actor=clinician_a, patient=patient_a, **_ae())
    study_services.adverse_event_update(
        actor=clinician_a, event=event, resolved_on=INFUSION_DAY + dt.timedelta(days=9)
    )
    assert [h.resolved_on for h in event.history.order_by("history_id")] == [
        None, INFUSION_DAY + dt.timedelta(days=9)
    ]


# --- Treatment-emergence in the safety table ----------------------------------------------


@pytest.mark.parametrize(
    ("onset_day", "te_sae"), [(-1, False), (0, True), (30, True), (31, False)]
)
def test_te_sae_within_one_month_in_the_safety_table(
    admin_user, enrolled_a, infusion_a, onset_day, te_sae
):
    study_services.adverse_event_create(
        actor=admin_user, patient=enrolled_a.patient,
        **_ae(onset_date=INFUSION_DAY + dt.timedelta(days=onset_day)),
    )
    table = study_selectors.safety_table(user=admin_user, study=enrolled_a.study)
    d100 = study_selectors.safety_group(table=table, key="D100")
    assert d100.count("any_sae") == 1
    assert d100.count("te_sae_1m") == int(te_sae)
    assert table.total.count("te_sae_1m") == int(te_sae)


def test_treatment_emergence_counts_from_the_study_intervention(
    admin_user, enrolled_a, infusion_a
):
    # An exercise programme outside the study, started earlier, does not move the anchor.
    study_services.intervention_create(
        actor=admin_user, patient=enrolled_a.patient, kind=InterventionKind.EXERCISE,
        product="Walking group", start_date=dt.date(2025, 1, 16),
    )
    study_services.adverse_event_create(
        actor=admin_user, patient=enrolled_a.patient, **_ae(onset_date=dt.date(2025, 1, 25))
    )
    data = study_selectors.patient_study_data(patient=enrolled_a.patient, user=admin_user)
    assert data["first_intervention"] == INFUSION_DAY
    assert data["adverse_events"][0].flags.treatment_emergent is False


# --- Visits against the schedule -----------------------------------------------------------


def test_a_follow_up_visit_outside_every_window_is_a_clear_error(
    clinician_a, enrolled_a, infusion_a
):
    with pytest.raises(ValidationError) as exc:
        services.visit_create(
            actor=clinician_a, patient=enrolled_a.patient, kind="follow_up",
            date=INFUSION_DAY + dt.timedelta(days=50),
        )
    message = exc.value.message_dict["kind"][0]
    assert "outside every visit window" in message and "day 50" in message
    assert "Month 1 day 23 to 37" in message


def test_the_same_date_is_accepted_as_unscheduled(clinician_a, enrolled_a, infusion_a):
    visit = services.visit_create(
        actor=clinician_a, patient=enrolled_a.patient, kind="unscheduled",
        date=INFUSION_DAY + dt.timedelta(days=50),
    )
    labels = study_selectors.visit_labels(patient=enrolled_a.patient, visits=[visit])
    assert labels == {visit.pk: "Unscheduled"}


def test_visits_are_labelled_with_their_timepoint(enrolled_a, infusion_a):
    patient = enrolled_a.patient
    visits = [
        VisitFactory(patient=patient, date=dt.date(2024, 12, 1), kind="baseline"),  # registry
        VisitFactory(patient=patient, date=INFUSION_DAY, kind="follow_up"),
        VisitFactory(patient=patient, date=INFUSION_DAY + dt.timedelta(days=37),
                     kind="follow_up"),
        VisitFactory(patient=patient, date=INFUSION_DAY + dt.timedelta(days=60),
                     kind="unscheduled"),
    ]
    labels = study_selectors.visit_labels(patient=patient, visits=visits)
    assert [labels.get(v.pk) for v in visits] == [None, "Baseline", "Month 1", "Unscheduled"]


def test_labels_follow_the_first_intervention_when_it_is_recorded_later(admin_user, enrolled_a):
    visit = VisitFactory(
        patient=enrolled_a.patient, date=dt.date(2025, 2, 20), kind="follow_up"
    )
    assert study_selectors.visit_labels(patient=enrolled_a.patient, visits=[visit]) == {
        visit.pk: "Month 1"  # day 31 after enrolment on 20 Jan
    }
    infuse(admin_user, enrolled_a)  # 1 Feb: the same visit is now day 19
    assert study_selectors.visit_labels(patient=enrolled_a.patient, visits=[visit]) == {
        visit.pk: "Unscheduled"
    }


def test_visits_of_patients_in_no_study_are_not_checked(clinician_a, patient_a):
    services.visit_create(
        actor=clinician_a, patient=patient_a, kind="follow_up", date=dt.date(2025, 5, 5)
    )


def test_an_open_study_shows_arms_to_everyone(clinician_a, open_study, patient_a):
    enrolment = study_services.enrollment_create(
        actor=clinician_a, patient=patient_a, study=open_study,
        arm=open_study.arms.get(code="D20"), enrolled_on=dt.date(2025, 1, 20),
    )
    assert study_selectors.arm_label_for(clinician_a, enrolment) == "20 million cells"


def test_blinded_people_see_blinded(clinician_a, coordinator, admin_user, enrolled_a):
    assert study_selectors.arm_label_for(clinician_a, enrolled_a) == "blinded"
    assert study_selectors.arm_label_for(coordinator, enrolled_a) == "blinded"
    assert study_selectors.arm_label_for(admin_user, enrolled_a) == "100 million cells"


def test_make_study_helper_is_reusable(admin_user):
    assert make_study(admin_user, code="S2").arms.count() == 4


def test_visit_kind_for_a_date_follows_the_schedule(enrolled_a, infusion_a):
    patient = enrolled_a.patient
    assert study_selectors.visit_kind_for(patient=patient, date=INFUSION_DAY) == "baseline"
    VisitFactory(patient=patient, date=INFUSION_DAY, kind="baseline")
    month_1 = INFUSION_DAY + dt.timedelta(days=30)
    assert study_selectors.visit_kind_for(patient=patient, date=month_1) == "follow_up"
    day_50 = INFUSION_DAY + dt.timedelta(days=50)
    assert study_selectors.visit_kind_for(patient=patient, date=day_50) == "unscheduled"
