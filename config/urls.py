"""Root URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

from biomarkers.api.authentication import LAB_AUTHENTICATION, IsLabClient
from longitudinal import views as longitudinal_views

# The schema and its docs are for people logged in; a laboratory key may also read the
# schema, from which an integrator generates its client (docs/security.md).
schema_view = SpectacularAPIView.as_view(
    authentication_classes=LAB_AUTHENTICATION,
    permission_classes=[IsAuthenticated | IsLabClient],
)
# The split view serves Swagger UI's start-up script from its own URL (?script=): the
# page has no inline script, as the Content-Security-Policy requires.
docs_view = login_required(
    SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html")
)

urlpatterns = [
    path("", longitudinal_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("patients/", include("registry.urls")),
    path("assessments/", include("assessments.urls")),
    path("labs/", include("biomarkers.urls")),
    path("", include("longitudinal.urls")),
    path("api/v1/", include("config.api_router")),
    path("api/schema/", schema_view, name="schema"),
    path("api/docs/", docs_view, name="api-docs"),
]

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
