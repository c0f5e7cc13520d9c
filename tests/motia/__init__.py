"""Motia 0.17 parity (issue 16): real Motia projects load and behave unchanged."""
