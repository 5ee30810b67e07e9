"""Connectors built on the Nuntiq SDK, one module per connector."""
