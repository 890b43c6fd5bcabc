"""create_lab_client prints a key once and stores only its hash; the 500 page is friendly."""

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from biomarkers.models import LabClient
from core.views import server_error

pytestmark = pytest.mark.django_db


def test_create_lab_client_prints_a_working_key_stored_hashed(capsys, client, site_a):
    call_command("create_lab_client", "Central Lab LIS", "--site", "A")
    out = capsys.readouterr().out
    key = out.strip().splitlines()[2]
    lab = LabClient.objects.get(name="Central Lab LIS")
    assert key not in lab.hashed_key and lab.is_valid(key)
    assert LabClient.objects.get_from_key(key) == lab
    assert "Authorization: Api-Key <key>" in out


def test_the_500_page_says_nothing_was_half_saved():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Nothing you entered was half-saved" in response.content
