"""Objections (异议) against a credit record: filed → upheld or dismissed."""
