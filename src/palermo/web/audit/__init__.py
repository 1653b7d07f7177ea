"""The append-only, hash-chained audit log: who read or changed what, when and why."""
