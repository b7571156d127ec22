"""Dishonest judgment debtors (失信被执行人), from the courts."""
