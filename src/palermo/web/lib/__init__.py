"""Framework-light helpers of the web application: settings readers, permissions, crypto."""
