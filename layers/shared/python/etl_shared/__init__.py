"""Code shared by every Lambda of the pipeline (deployed as one layer, never copied)."""
