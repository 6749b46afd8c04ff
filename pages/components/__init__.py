"""Reusable widgets. Each module's function owns its widget state (under the key it is
given) and returns what the user entered or chose."""
