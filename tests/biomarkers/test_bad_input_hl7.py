"""HL7 v2 bodies too broken to read are answered ``MSA|AR`` with the reason, never a 5xx.

Pure tests (no database): the parser raises nothing but Hl7ParseError on any short
MSH-like text, and an ACK can be built for whatever was received.
"""

import hl7
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from biomarkers.parsing import Hl7ParseError, build_ack, parse_oru

REPORTED = ["MSH|^~\\&", "MSH|ABCD|LAB", "MSH|^~\\&|||||||ORU|1|P|2.5.1", "MSH|^", "MSH|"]
SEPARATORS = "|^~\\&\r\n#"
# Short texts built from the characters that make up an MSH header, plus some others.
MSH_LIKE = st.builds(
    lambda head, rest: head + rest,
    st.sampled_from(["MSH", "MSH|", "MSH|^~\\&", "MSH|^~\\&|", "\x0bMSH|^~\\&|", "msh|"]),
    st.text(
        alphabet=st.sampled_from(list(SEPARATORS + "ORU^R01PIDOBX123 A") + ["é", "\x00"]),
        max_size=60,
    ),
)


def _ar_reason(ack: str) -> str:
    msa = hl7.parse(ack).segment("MSA")
    assert str(msa(1)) == "AR"
    return str(msa(3))


@pytest.mark.parametrize("body", REPORTED)
def test_a_broken_msh_is_rejected_with_a_readable_ack(body):
    with pytest.raises(Hl7ParseError) as refused:
        parse_oru(body)
    ack = build_ack(body, "AR", refused.value.message)
    assert _ar_reason(ack)  # the reason is in MSA-3
    assert ack.startswith("MSH|^~\\&|")


@given(MSH_LIKE)
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
def test_short_msh_like_text_raises_only_hl7_parse_errors(body):
    try:
        parse_oru(body)
    except Hl7ParseError as refused:
        assert _ar_reason(build_ack(body, "AR", refused.message))
    else:
        build_ack(body, "AA")  # a readable message is acknowledged too


@given(st.binary(max_size=80))
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
def test_arbitrary_bytes_raise_only_hl7_parse_errors(body):
    try:
        parse_oru(b"MSH|^~\\&|" + body)
    except Hl7ParseError as refused:
        assert _ar_reason(build_ack(body, "AR", refused.message))
