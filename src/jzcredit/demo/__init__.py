"""Realistic synthetic data for demos and benchmarks, loaded through the real ingest pipeline."""
