"""The Nuntiq connector SDK."""
