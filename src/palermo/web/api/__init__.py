"""The REST API (Django Ninja) for system-to-system use, with OpenAPI docs at /api/docs."""
