"""API-key authentication for laboratory systems (docs/biomarkers.md, "Laboratory systems").

`Authorization: Api-Key <key>` resolves to the LabClient (djangorestframework-api-key
stores only a hash). The request's user stays anonymous, so every endpoint that needs a
person (patients, visits, a patient's results) refuses a key: a laboratory can post
results and read back its own, never list or read patients.
"""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework_api_key.permissions import KeyParser

from biomarkers.models import LabClient


class LabClientAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>` -> (AnonymousUser, LabClient)."""

    keyword = KeyParser.keyword

    def authenticate(self, request):
        key = KeyParser().get(request)
        if not key:
            return None
        try:
            client = LabClient.objects.get_from_key(key)
        except LabClient.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from None
        if client.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        return AnonymousUser(), client

    def authenticate_header(self, request):
        return self.keyword


# Lab endpoints also read the session, so that a logged-in person is told 403 (wrong
# kind of caller) rather than 401 (not logged in).
LAB_AUTHENTICATION = [LabClientAuthentication, authentication.SessionAuthentication]


class IsLabClient(permissions.BasePermission):
    """Only a laboratory system's key; people use the pages and the patient endpoints."""

    message = "This endpoint is for laboratory systems: send Authorization: Api-Key <key>."

    def has_permission(self, request, view):
        return isinstance(request.auth, LabClient)


class LabClientScheme(OpenApiAuthenticationExtension):
    """Documents the key in the OpenAPI schema as the ApiKeyAuth security scheme."""

    target_class = "biomarkers.api.authentication.LabClientAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`; keys come from `manage.py create_lab_client`.",
        }
