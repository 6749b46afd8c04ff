"""Use cases. Each function takes the Database and the acting user, checks
access, validates input, writes inside one transaction and audits the write."""
