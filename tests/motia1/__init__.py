"""Motia 1.0 (issue 18, "Must show"): tests/fixtures/motia1 served end to end, one module
per feature area, and a chain mixing 0.17 and 1.0 files across the four languages."""
