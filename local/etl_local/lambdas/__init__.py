"""Local Lambda: the template's functions run in worker processes (see ``runner``)."""

from etl_local.lambdas.api import LambdaApi
from etl_local.lambdas.runner import FunctionSpec, Invocation, LambdaRunner, choose_python

__all__ = ["FunctionSpec", "Invocation", "LambdaApi", "LambdaRunner", "choose_python"]
