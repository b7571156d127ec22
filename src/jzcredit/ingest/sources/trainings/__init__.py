"""Workers' trainings (培训)."""
