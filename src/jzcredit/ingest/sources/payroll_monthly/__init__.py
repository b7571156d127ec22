"""Companies' monthly payroll head-count (月度用工人数)."""
