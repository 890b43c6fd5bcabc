"""Longitudinal views read through the other apps' selectors; no tables yet."""
