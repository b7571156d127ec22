"""Users, roles and API tokens (stored hashed)."""
