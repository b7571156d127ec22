"""Commendations and awards (表彰奖励)."""
