"""Ingest: declared sources, row accounting, quarantine and resume."""
