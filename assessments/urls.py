"""assessments pages."""

app_name = "assessments"

urlpatterns = []
