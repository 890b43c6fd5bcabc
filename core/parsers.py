"""The JSON parser of every API view (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).

A module of its own, importing nothing from rest_framework.views: DRF reads
DEFAULT_PARSER_CLASSES while it defines APIView, so a parser living beside the exception
handler (which needs rest_framework.views) would be imported half-initialised whenever
that module happens to be the first to load DRF's views (`manage.py migrate` did).
"""

import codecs

from django.conf import settings
from rest_framework import exceptions, parsers

from core import jsonlimits


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the nesting depth capped (settings.JSON_MAX_DEPTH).

    The default parser of every API view (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]); the
    laboratory parsers extend it. Malformed or too deeply nested JSON is a 400.
    """

    json_options: dict = {}

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read() if stream is not None else ""
            return jsonlimits.loads(text, max_depth=settings.JSON_MAX_DEPTH, **self.options())
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"Malformed JSON: {exc}") from exc

    def options(self) -> dict:
        # DRF refuses NaN and Infinity, which are not JSON.
        return {"parse_constant": _refuse_constant, **self.json_options}


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")
