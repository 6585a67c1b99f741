"""Provisioning of the local stack from ``template.yaml`` (see ``provision``)."""

from etl_local.stack.creators import CREATORS, NOT_NEEDED_LOCALLY
from etl_local.stack.provision import Provisioner, Stack, publish_config, read_samconfig
from etl_local.stack.template import TemplateError, load_template

__all__ = [
    "CREATORS",
    "NOT_NEEDED_LOCALLY",
    "Provisioner",
    "Stack",
    "TemplateError",
    "load_template",
    "publish_config",
    "read_samconfig",
]
