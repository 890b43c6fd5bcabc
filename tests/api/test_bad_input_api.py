"""People's API: JSON nested too deep is a 400 in the error envelope, on every endpoint
(DRF's default parser is core.parsers.JSONParser)."""

import pytest

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/patients/"),
        ("patch", "/api/v1/patients/{study_id}/"),
        ("post", "/api/v1/patients/{study_id}/assessments/"),
        ("post", "/api/v1/instruments/cfs/score/"),
    ],
)
def test_deeply_nested_json_is_a_400_with_a_message(client_a, patient_a, method, url):
    call = getattr(client_a, method)
    response = call(url.format(study_id=patient_a.study_id), '{"inputs": ' + DEEP + "}",
                    content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}
    assert "nested more than 64 levels" in response.json()["detail"]


def test_nan_is_still_refused_as_malformed(client_a):
    response = client_a.post(
        "/api/v1/instruments/cfs/score/",
        '{"inputs": {"score": NaN}}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "NaN is not a number JSON allows" in response.json()["detail"]
