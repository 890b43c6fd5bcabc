"""Frailty assessments. Scoring lives in assessments/scoring (plain Python)."""
