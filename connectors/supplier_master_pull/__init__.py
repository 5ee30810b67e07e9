"""The supplier_master_pull connector: ``nuntiq run connectors/supplier_master_pull``; README.md is its docs page."""
