import os
import time

os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:6391/0"
import django

django.setup()
from biomarkers.tasks import lab_upload_process_task  # noqa: E402

t = time.monotonic()
try:
    lab_upload_process_task.delay(1)
    print("published")
except Exception as e:
    print(type(e), e)
print("took", time.monotonic() - t)
