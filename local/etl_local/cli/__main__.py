"""``python -m etl_local.cli`` = ``etl-local``."""

from etl_local.cli import main

main()
