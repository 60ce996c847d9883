"""Validation of the working groups' forms, one module per part (no side effects)."""
