from django.apps import AppConfig


class BiomarkersConfig(AppConfig):
    name = "biomarkers"
    verbose_name = "Biomarkers"

    def ready(self):
        # The patient page (registry) shows our table through its panel registry, so
        # registry never imports biomarkers (dependencies point one way). Imported here,
        # not at the top: apps.py is read while the app registry loads, before any model
        # (selectors import them) may be imported.
        from biomarkers.selectors import lab_panel_context
        from registry.panels import PatientPanel, register_panel

        register_panel(
            PatientPanel(
                key="biomarkers",
                title="Biomarkers",
                template="biomarkers/_patient_panel.html",
                order=20,
                context=lab_panel_context,
            )
        )
