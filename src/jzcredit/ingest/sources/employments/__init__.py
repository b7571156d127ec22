"""Employments (从业关系): worker ↔ company with start and end."""
