"""Administrative licences (行政许可)."""
