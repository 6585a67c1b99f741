"""The operation registry's entries, one module per category of the DataBrew reference."""

from etl_local.databrew.operations import (  # noqa: F401 - importing registers
    columns,
    dates,
    duplicates,
    encoding,
    masking,
    math,
    missing,
    outliers,
    structure,
    text,
)
