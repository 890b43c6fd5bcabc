"""Cohort exports: what a coordinator downloads for analysis.

- `formats`: the file formats (columns, date modes, units) and which options go together;
- `writers`: the tidy and wide files, streamed from the cohort's snapshots;
- `dictionary`: the data dictionary, generated from the same column definitions;
- `pseudonyms`: keyed pseudonyms and date shifts (plain Python);
- `services`: the ExportJob (the audit row), its run by the Celery task and its reads;
- `views`, `urls`, `api`: the pages and the API endpoints, both calling `services`.

docs/exports.md describes the files and how they stay fast at 100,000 patients.
"""
