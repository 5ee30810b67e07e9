"""The sftp_invoice_pull connector: ``nuntiq run connectors/sftp_invoice_pull``; README.md is its docs page."""
