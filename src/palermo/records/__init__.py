"""Canonical traveller records: the schema, its derived fields and the readers."""

from palermo.records.readers import read_records, table_from_dicts, validate_table
from palermo.records.schema import (
    ARROW_SCHEMA,
    DERIVED,
    FIELDS,
    FULL_ARROW_SCHEMA,
    INPUT_FIELDS,
    FieldSpec,
    Kind,
    derive,
    derive_arrow,
    with_derived,
)

__all__ = [
    "ARROW_SCHEMA",
    "DERIVED",
    "FIELDS",
    "FULL_ARROW_SCHEMA",
    "INPUT_FIELDS",
    "FieldSpec",
    "Kind",
    "derive",
    "derive_arrow",
    "read_records",
    "table_from_dicts",
    "validate_table",
    "with_derived",
]
