"""Framework-light helpers shared by the domain packages."""
