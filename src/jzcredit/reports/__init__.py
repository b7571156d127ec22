"""Reports: statistics (and later PDF and Excel reports)."""
