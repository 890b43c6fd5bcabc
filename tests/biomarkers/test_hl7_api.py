"""HL7 v2 ORU^R01 over HTTP: ACK AA/AE/AR, duplicates by MSH-10, the NIST sample."""

from decimal import Decimal
from pathlib import Path

import pytest

from biomarkers.models import Hl7Message, LabResult, ParkedLabResult

pytestmark = pytest.mark.django_db

URL = "/api/v1/hl7/oru"
ER7 = "x-application/hl7-v2+er7"
NIST = (Path(__file__).parent / "data" / "nist-lri-cbc-oru.hl7").read_text()


def oru(control_id="MSG-1", mrn="A-1", site="A", obx=None):
    segments = [
        f"MSH|^~\\&|LIS|CENTRAL LAB||REGISTRY|20250301121500+0100||ORU^R01^ORU_R01|{control_id}"
        "|P|2.5.1",
        f"PID|1||{mrn}^^^{site}^MR||Doe^Jane||19450601|F",
        "OBR|1|ORD1|FILL1^LAB|CYTO^Cytokines^L|||20250301081500+0100",
        *(obx or [
            "OBX|1|NM|26881-3^Interleukin 6^LN||3.2|pg/mL^^UCUM|<7.0|N|||F|||20250301081500+0100",
            "OBX|2|SN|30522-7^hs-CRP^LN||<^0.5|mg/L^^UCUM|<5.0|N|||F|||20250301081500+0100",
        ]),
    ]  # fmt: skip
    return "\r".join(segments)


def msa(response):
    text = response.content.decode()
    return next(line for line in text.split("\r") if line.startswith("MSA")), text


def test_a_message_is_acknowledged_and_stored(lab_api, patient_a):
    response = lab_api.post(URL, oru(), content_type=ER7)
    assert response.status_code == 200 and response["Content-Type"].startswith(ER7)
    line, _ = msa(response)
    assert line.startswith("MSA|AA|MSG-1")
    crp = LabResult.objects.get(analyte="HSCRP")
    assert (crp.comparator, crp.value, crp.reported_value) == ("<", Decimal("0.5"), "<^0.5")
    assert LabResult.objects.get(analyte="IL6").external_id == "FILL1/26881-3"


def test_text_plain_and_newlines_are_accepted(lab_api, patient_a):
    response = lab_api.post(URL, oru().replace("\r", "\n"), content_type="text/plain")
    assert msa(response)[0].startswith("MSA|AA")


def test_a_retransmission_is_acknowledged_and_not_applied(lab_api, patient_a):
    lab_api.post(URL, oru(), content_type=ER7)
    amended = oru(obx=["OBX|1|NM|26881-3^IL6^LN||9.9|pg/mL|||||C|||20250301081500+0100"])
    line, text = msa(lab_api.post(URL, amended, content_type=ER7))
    assert line.startswith("MSA|AA|MSG-1") and "not applied again" in text
    assert LabResult.objects.get(analyte="IL6").value == Decimal("3.2")
    assert Hl7Message.objects.count() == 1
    # The same correction under a new control id is applied.
    lab_api.post(URL, amended.replace("MSG-1", "MSG-2"), content_type=ER7)
    assert LabResult.objects.get(analyte="IL6").value == Decimal("9.9")


def test_a_retraction_by_obx_11(lab_api, patient_a):
    lab_api.post(URL, oru(), content_type=ER7)
    retraction = oru(
        "MSG-2", obx=["OBX|1|NM|26881-3^IL6^LN||3.2|pg/mL|||||W|||20250301081500+0100"]
    )
    assert msa(lab_api.post(URL, retraction, content_type=ER7))[0].startswith("MSA|AA")
    assert LabResult.objects.get(analyte="IL6").status == "entered-in-error"


def test_the_nist_sample(lab_api, patient_a):
    """PID-3's authority is no site (parked), hemoglobin in g/mL (refused), leukocytes
    in {cells}/uL (converted), the rest outside the catalogue or without a number."""
    response = lab_api.post(URL, NIST, content_type=ER7)
    line, text = msa(response)
    assert response.status_code == 200
    assert line.startswith("MSA|AE|NIST-LRI-NG-002.00")
    assert "ERR||OBX^2|" in text and "g/mL" in text  # the refused hemoglobin
    assert "not taken" in text  # the skipped OBX, named
    parked = ParkedLabResult.objects.get()
    assert (parked.analyte_id, parked.reported_value, parked.site_code) == (
        "WBC",
        "105600",
        "NIST MPI",
    )
    assert LabResult.objects.count() == 0
    again = lab_api.post(URL, NIST, content_type=ER7)
    assert msa(again)[0].startswith("MSA|AE|NIST-LRI-NG-002.00")
    assert ParkedLabResult.objects.count() == 1


def test_a_malformed_message_is_rejected_with_ar(lab_api):
    response = lab_api.post(URL, "hello", content_type=ER7)
    assert response.status_code == 400
    assert msa(response)[0].startswith("MSA|AR")
    adt = oru().replace("ORU^R01^ORU_R01", "ADT^A01^ADT_A01")
    response = lab_api.post(URL, adt, content_type=ER7)
    assert response.status_code == 400 and r"expected ORU\S\R01" in response.content.decode()


def test_a_wrong_content_type_is_415(lab_api):
    assert lab_api.post(URL, {"x": 1}).status_code == 415


def test_a_body_over_the_limit_is_413(lab_api, settings):
    settings.LAB_RESULTS_MAX_BODY_BYTES = 50
    assert lab_api.post(URL, oru(), content_type=ER7).status_code == 413
