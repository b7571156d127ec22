"""Credit repair (信用修复): applications decided by the conditions of spec §3.6."""
