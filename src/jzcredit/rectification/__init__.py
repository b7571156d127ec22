"""Rectification notices (限期整改): issue → evidence → verify, overdue after the deadline."""
