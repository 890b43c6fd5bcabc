"""biomarkers pages."""

app_name = "biomarkers"

urlpatterns = []
