"""Administration pages: agencies, users and API tokens (administrators; never case content)."""
