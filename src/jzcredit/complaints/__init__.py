"""Complaints (投诉), service codes and ratings (评价)."""
