"""Small helpers for what signed-in pages show about people and steps."""

from __future__ import annotations


def actor_name(actor: str | None) -> str:
    """``regulator:3:济南市市场监管局`` → ``济南市市场监管局`` (the audit actor's name part); ``system`` as is."""
    if not actor:
        return "他人"
    parts = actor.split(":", 2)
    return parts[2] if len(parts) == 3 and parts[1].isdigit() else actor
