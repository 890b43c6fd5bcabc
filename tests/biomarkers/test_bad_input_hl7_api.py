"""The HL7 endpoint answers every refusal with an ACK (MSA|AR and the reason), never a 5xx:
headers python-hl7 could not acknowledge (IndexError building the ACK) included."""

import hl7
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

ER7 = "x-application/hl7-v2+er7"


def _msa(response) -> hl7.Segment:
    assert response["Content-Type"].startswith(ER7)
    return hl7.parse(response.content.decode()).segment("MSA")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("MSH|^~\\&", "MSH-9 message type and MSH-10 control id are required"),
        ("MSH|ABCD|LAB", "none a letter, digit or space"),
        ("MSH|^~\\&|||||||ORU|1|P|2.5.1", "expected ORU^R01"),
    ],
)
def test_a_broken_msh_is_answered_msa_ar_with_the_reason(lab_api, body, reason):
    response = lab_api.post("/api/v1/hl7/oru", body, ER7)
    assert response.status_code == 400
    msa = _msa(response)
    assert str(msa(1)) == "AR" and reason in hl7.parse(response.content.decode()).unescape(
        str(msa(3))
    )


SEGMENT_TEXT = st.text(alphabet=st.sampled_from(list("|^~\\&\r\nMSHORU01PIDOBX3.5 ") + ["é"]))


@given(body=st.builds(lambda rest: "MSH" + rest, SEGMENT_TEXT.filter(lambda t: len(t) < 40)))
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_hl7_endpoint_never_answers_5xx(lab_api, body):
    response = lab_api.post("/api/v1/hl7/oru", body.encode(), ER7)
    assert response.status_code < 500
    assert str(_msa(response)(1)) in ("AA", "AE", "AR")


def test_hl7_refusals_are_acks_too(client):
    response = client.post("/api/v1/hl7/oru", "MSH|^~\\&|", content_type=ER7)
    assert response.status_code in (401, 403)
    assert str(_msa(response)(1)) == "AR"
