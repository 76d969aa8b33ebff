"""Pure decisions of the derived-indicator service."""
