"""Workers' health checks (体检)."""
