"""The alert lifecycle as pure decisions: what to open, notify, escalate and resolve."""
