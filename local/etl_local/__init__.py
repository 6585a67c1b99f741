"""The local runtime: the pipeline's AWS artifacts, run whole on one machine."""

__version__ = "0.1.0"
