"""Synthetic data for benchmarks and demonstrations: `manage.py generate_cohort`.

Not an installed app and not part of what the product runs: it stands above every app
(like bench/) and may import any of them; no app imports it.
"""
