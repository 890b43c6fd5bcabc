"""biomarkers API routes (see config/api_router.py)."""

urlpatterns = []
