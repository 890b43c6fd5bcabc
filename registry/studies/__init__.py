"""The studies wing of the registry app: protocols, arms, schedules, allocation lists,
enrolments, interventions, adverse events, blinding and overdue-visit notices.

Same app (label `registry`): its models are in registry/models/studies.py. Inside, the
usual shape: services.py (writes), selectors.py (reads), blinding.py (the one masking
layer), schedule.py (pure rules, no Django), views.py + forms.py + urls.py (pages),
api.py + serializers.py (REST), demo.py (demo study). See docs/studies.md.
"""
