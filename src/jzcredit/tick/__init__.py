"""tick: every time-based transition of spec §3.5 for one date, idempotent."""
