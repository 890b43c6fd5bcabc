from django.apps import AppConfig


class LongitudinalConfig(AppConfig):
    name = "longitudinal"
    verbose_name = "Longitudinal"

    def ready(self):
        from longitudinal.panels import register

        register()
