"""Gettext catalogs (vi first, en second); compiled to .mo by `pybabel compile -d locales`."""
