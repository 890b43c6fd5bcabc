"""Biomarker results and the laboratory systems that send them."""

from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager


class LabClient(AbstractAPIKey):
    """A laboratory system allowed to post results with `Authorization: Api-Key <key>`.

    Only a hash of the key is stored (djangorestframework-api-key); the key itself is
    shown once by `manage.py create_lab_client`.
    """

    objects = APIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "laboratory client"
