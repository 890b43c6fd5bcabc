from django.apps import AppConfig


class LongitudinalConfig(AppConfig):
    name = "longitudinal"
    verbose_name = "Longitudinal"
