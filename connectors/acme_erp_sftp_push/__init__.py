"""The acme_erp_sftp_push connector: ``nuntiq run connectors/acme_erp_sftp_push``; README.md is its docs page."""
