"""Django's SQLite backend with a process-wide writer queue (see ``base``)."""
