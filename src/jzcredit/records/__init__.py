"""Credit records (信用信息) and their lifecycle."""
