"""The ledger's speed goals (issue 15), measured on PostgreSQL against a naive baseline."""
