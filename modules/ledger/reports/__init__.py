"""Report templates (报表): named layouts over the ledger's tags, generated on demand for a
unit and period as the paper form (XLSX) or CSV, from the table only; the registry of the
recurring reports a town files and the hours the templated ones save. See docs/ledger.md."""
