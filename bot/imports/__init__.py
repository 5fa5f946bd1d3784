"""Operator imports from spreadsheets: reading `.xlsx`/`.csv` tables (`table.py`), the unit tree (`units.py`),
and their `bot11 admin` commands (`commands.py`)."""
