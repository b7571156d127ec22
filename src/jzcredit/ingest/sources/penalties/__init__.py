"""Administrative penalties (行政处罚)."""
