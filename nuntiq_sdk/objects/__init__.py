"""Per-object Loads; import paths mirror the product docs."""
