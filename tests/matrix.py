"""Shared vocabulary of the URL matrix (tests/test_url_matrix.py).

Each app's tests folder has a `routes.py` with `ROUTES = {route name: (method, path
template, {actor: status})}` and, when its paths need objects, a
`path_kwargs(patient) -> dict` that creates them for the target patient (site A).
"""

LOGIN = 302  # redirected to the login page
CAST = ("a", "b", "coord", "lab", "anon")
