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
