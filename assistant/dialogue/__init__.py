"""Dialogue manager: one conversation state per session (slots, follow-ups, confirmations)."""
