"""Storage: SQLModel tables and one function per query. Functions never commit; the caller owns the
transaction."""
