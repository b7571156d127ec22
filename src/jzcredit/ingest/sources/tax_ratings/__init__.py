"""Tax credit ratings (纳税信用等级, A/B/M/C/D)."""
