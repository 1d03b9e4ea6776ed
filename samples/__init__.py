"""Synthetic sample sets of petition sheets (a development tool; see samples/README.md)."""
