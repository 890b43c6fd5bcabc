"""Request parsers and renderers of the laboratory endpoints.

JSON is read with Decimal numbers so that "12.50" stays exactly as the lab sent it;
NaN/Infinity (which Python's json module would accept) and JSON nested deeper than
settings.JSON_MAX_DEPTH are refused as malformed (core.parsers.JSONParser).
"""

import json
from decimal import Decimal

from rest_framework import parsers, renderers

from core.parsers import JSONParser


class DecimalJSONParser(JSONParser):
    """application/json with exact decimals."""

    json_options = {"parse_float": Decimal}


class FhirJSONParser(parsers.BaseParser):
    """application/fhir+json and application/json, handed over as bytes.

    The FHIR parser (biomarkers.parsing.fhir) decodes the JSON itself so that its
    errors come back as an OperationOutcome.
    """

    media_type = "application/fhir+json"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class PlainJSONAsFhirParser(FhirJSONParser):
    media_type = "application/json"


class Hl7Parser(parsers.BaseParser):
    """HL7 v2 ER7 (pipe-delimited) text."""

    media_type = "x-application/hl7-v2+er7"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class Hl7TextParser(Hl7Parser):
    media_type = "text/plain"


class Hl7Renderer(renderers.BaseRenderer):
    """The ACK message, as text."""

    media_type = "x-application/hl7-v2+er7"
    format = "hl7"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode(self.charset)
        return json.dumps(data).encode(self.charset)


class Hl7TextRenderer(Hl7Renderer):
    media_type = "text/plain"
    format = "txt"


class FhirJSONRenderer(renderers.JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"
