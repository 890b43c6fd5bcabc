"""URL-matrix rows for the project-wide routes (see tests/test_url_matrix.py)."""

from tests.matrix import LOGIN

ROUTES = {
    "home": ("get", "/", dict(a=200, b=200, coord=200, lab=LOGIN, anon=LOGIN)),
    "login": ("get", "/accounts/login/", dict(a=200, b=200, coord=200, lab=200, anon=200)),
    "logout": ("post", "/accounts/logout/", dict(a=302, b=302, coord=302, lab=302, anon=302)),
    "password_change": (
        "get", "/accounts/password/", dict(a=200, b=200, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    "password_change_done": (
        "get", "/accounts/password/done/", dict(a=200, b=200, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    # Behind login; a laboratory key may read the schema (it generates its client from it).
    "schema": ("get", "/api/schema/", dict(a=200, b=200, coord=200, lab=200, anon=401)),
    "api-docs": ("get", "/api/docs/", dict(a=200, b=200, coord=200, lab=LOGIN, anon=LOGIN)),
}

# Does the route show or change a patient's data (tests/test_url_matrix.py)? Every request
# that shows a PATIENT_DATA route writes an access-log row; NO_PATIENT_DATA says why the
# others do not. Every route above is in exactly one of the two.
PATIENT_DATA = {"home"}  # recently updated patients and open alerts, with names
NO_PATIENT_DATA = {
    "login": "the log-in form",
    "logout": "ends the session",
    "password_change": "the person's own password",
    "password_change_done": "the person's own password",
    "schema": "the API description",
    "api-docs": "the API description",
}
