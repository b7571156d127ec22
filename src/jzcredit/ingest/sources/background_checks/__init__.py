"""Workers' background checks (背景核查)."""
