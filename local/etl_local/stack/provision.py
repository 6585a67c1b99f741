"""template.yaml -> local resources, in dependency order, through the API plane."""

from __future__ import annotations

import contextlib
import graphlib
import importlib.util
import logging
import threading
import tomllib
from collections import defaultdict
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl_local.context import LocalContext
from etl_local.lambdas import FunctionSpec, LambdaRunner
from etl_local.stack.creators import CREATORS, NOT_NEEDED_LOCALLY, Site, generated_name
from etl_local.stack.sam import expand
from etl_local.stack.template import (
    Provisioned,
    Resolver,
    TemplateError,
    load_template,
    parameter_values,
    parse_overrides,
    references,
)

log = logging.getLogger(__name__)

DEFAULT_STACK_NAME = "etl-pipeline"
PARALLEL_CREATES = 8
LOCAL_ENVIRONMENT = "local"


@dataclass
class Stack:
    """The provisioned local stack."""

    name: str
    parameters: dict[str, Any]
    resources: dict[str, Provisioned]
    outputs: dict[str, Any]
    functions: dict[str, FunctionSpec]  # logical id -> spec
    state_machines: dict[str, str]  # logical id -> ARN
    not_needed: list[str] = field(default_factory=list)  # "LogicalId (Type)"
    unsupported: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def physical(self, logical_id: str) -> Any:
        return self.resources[logical_id].ref

    def of_type(self, type_: str) -> dict[str, Provisioned]:
        return {k: v for k, v in self.resources.items() if v.type == type_}

    def function(self, name_or_logical_id: str) -> FunctionSpec:
        for logical_id, spec in self.functions.items():
            if name_or_logical_id in (logical_id, spec.name):
                return spec
        known = ", ".join(sorted(self.functions))
        raise KeyError(f"no function {name_or_logical_id!r} in the template (known: {known})")


@dataclass(frozen=True)
class SamConfig:
    stack_name: str
    parameter_overrides: dict[str, str]


def read_samconfig(path: Path, environment: str = LOCAL_ENVIRONMENT) -> SamConfig:
    """Stack name and parameter overrides: ``default`` first, then ``environment``'s."""
    if not path.is_file():
        return SamConfig(DEFAULT_STACK_NAME, {})
    document = tomllib.loads(path.read_text())
    stack_name = DEFAULT_STACK_NAME
    overrides: dict[str, str] = {}
    for env in ("default", environment):
        for command in ("global", "deploy"):
            params = document.get(env, {}).get(command, {}).get("parameters", {})
            stack_name = params.get("stack_name", stack_name)
            overrides.update(parse_overrides(params.get("parameter_overrides")))
    return SamConfig(stack_name, overrides)


# Ref/GetAtt of resources without a local effect, so the template still resolves.
_PLACEHOLDER_ARNS: dict[str, str] = {
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{name}",
    "AWS::IAM::ManagedPolicy": "arn:aws:iam::{account}:policy/{name}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}:*",
    "AWS::KMS::Key": "arn:aws:kms:{region}:{account}:key/{name}",
    "AWS::CloudWatch::Alarm": "arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
}

# Types whose local files are packaged into the artifacts bucket, as ``sam package`` does.
_NEEDS_BUCKETS = frozenset({"AWS::Glue::Job"})

_REF_IS_ARN = frozenset({"AWS::IAM::ManagedPolicy"})

_NAME_PROPERTIES = ("RoleName", "LogGroupName", "PolicyName", "ManagedPolicyName", "AlarmName")


def _placeholder(site: Site, logical_id: str, kind: str, props: Mapping[str, Any]) -> Provisioned:
    name = next((props[p] for p in _NAME_PROPERTIES if p in props), None)
    name = name or generated_name(site.stack_name, logical_id)
    template = _PLACEHOLDER_ARNS.get(kind)
    attributes = {}
    if template:
        attributes["Arn"] = template.format(account=site.account, region=site.region, name=name)
    ref = attributes["Arn"] if kind in _REF_IS_ARN else name
    return Provisioned(logical_id, kind, ref, attributes)


class Provisioner:
    def __init__(
        self,
        ctx: LocalContext,
        template_path: Path,
        runner: LambdaRunner | None = None,
        overrides: Mapping[str, str] | None = None,
        environment: str = LOCAL_ENVIRONMENT,
    ) -> None:
        self.ctx = ctx
        self.template_path = template_path.resolve()
        self.template = load_template(self.template_path)
        samconfig = read_samconfig(self.template_path.parent / "samconfig.toml", environment)
        merged = {**samconfig.parameter_overrides, **(overrides or {})}
        declared = self.template.get("Parameters", {})
        self.resolver = Resolver(
            stack_name=samconfig.stack_name,
            parameters=parameter_values(declared, merged),
            mappings=self.template.get("Mappings", {}),
            condition_defs=self.template.get("Conditions", {}),
            region=ctx.region,
            account_id=ctx.account_id,
        )
        self.site = Site(ctx, samconfig.stack_name, self.template_path.parent, runner)
        self._services_lock = threading.Lock()
        # service -> held by its first create; then the service is warm
        self._first_calls: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._warm_services: set[str] = set()

    def order(self, resources: Mapping[str, Any]) -> list[str]:
        """Logical ids in an order where every resource comes after what it refers to."""
        try:
            return list(graphlib.TopologicalSorter(self.graph(resources)).static_order())
        except graphlib.CycleError as exc:
            raise TemplateError(f"Circular dependency between resources: {exc.args[1]}") from exc

    def graph(self, resources: Mapping[str, Any]) -> dict[str, set[str]]:
        """Each resource's dependencies (references and DependsOn), checked to exist."""
        graph: dict[str, set[str]] = {}
        for logical_id, resource in resources.items():
            depends = resource.get("DependsOn", [])
            depends = [depends] if isinstance(depends, str) else list(depends)
            needed = references(resource.get("Properties", {})) | set(depends)
            missing = {
                n
                for n in needed
                if n not in resources
                and n not in self.resolver.parameters
                and not n.startswith("AWS::")
            }
            if missing:
                raise TemplateError(
                    "Template format error: Unresolved resource dependencies "
                    f"{sorted(missing)} in the Resources block of the template"
                )
            graph[logical_id] = {n for n in needed if n in resources}
            if resource.get("Type") in _NEEDS_BUCKETS:  # packaging needs the artifacts bucket
                graph[logical_id] |= {
                    k for k, r in resources.items() if r.get("Type") == "AWS::S3::Bucket"
                }
        return graph

    def provision(self) -> Stack:
        resources, problems = expand(self.template)
        stack = Stack(
            name=self.site.stack_name,
            parameters=self.resolver.parameters,
            resources=self.resolver.resources,
            outputs={},
            functions=self.site.functions,
            state_machines=self.site.state_machines,
            unsupported=list(problems),
            notes=self.site.notes,
        )
        self.order(resources)  # validates: no dangling reference, no cycle
        self.site.order = {logical_id: index for index, logical_id in enumerate(resources)}
        self._create_all(resources, stack)
        stack.not_needed.sort()
        stack.unsupported.sort()
        for name, output in self.template.get("Outputs", {}).items():
            if "Condition" in output and not self.resolver.condition(output["Condition"]):
                continue
            stack.outputs[name] = self.resolver.resolve(output["Value"])
        return stack

    def _create_all(self, resources: Mapping[str, Any], stack: Stack) -> None:
        """Create every resource as soon as what it depends on exists, several at a time
        (as CloudFormation does)."""
        sorter = graphlib.TopologicalSorter(self.graph(resources))
        sorter.prepare()
        pending: dict[Future[None], str] = {}
        with ThreadPoolExecutor(max_workers=PARALLEL_CREATES) as pool:
            while sorter.is_active():
                for logical_id in sorter.get_ready():
                    future = pool.submit(self._create, logical_id, resources[logical_id], stack)
                    pending[future] = logical_id
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    logical_id = pending.pop(future)
                    future.result()  # a failed creation fails the provisioning
                    sorter.done(logical_id)

    @contextlib.contextmanager
    def _first_of_service(self, kind: str) -> Iterator[None]:
        """The first resource of a service is created alone: the API plane loads a service's
        model on its first request, and concurrent first requests would each load it."""
        service = kind.split("::")[1] if kind.count("::") == 2 else kind
        with self._services_lock:
            first = self._first_calls[service]
        first.acquire()  # free at once, or held by the service's first create
        with self._services_lock:
            alone = service not in self._warm_services
        if not alone:
            first.release()
        try:
            yield
            if alone:
                with self._services_lock:
                    self._warm_services.add(service)
        finally:
            if alone:
                first.release()

    def _create(self, logical_id: str, resource: dict[str, Any], stack: Stack) -> None:
        kind = resource.get("Type", "")
        if "Condition" in resource and not self.resolver.condition(resource["Condition"]):
            return
        props = self.resolver.resolve(resource.get("Properties", {}))
        creator = CREATORS.get(kind)
        if creator is not None:
            with self._first_of_service(kind):
                provisioned = creator(self.site, logical_id, props)
        else:
            provisioned = _placeholder(self.site, logical_id, kind, props)
            if kind in NOT_NEEDED_LOCALLY:
                stack.not_needed.append(f"{logical_id} ({kind})")
            else:
                stack.unsupported.append(
                    f"{logical_id}: resource type {kind} is not supported locally"
                )
                log.error("%s: resource type %s is not supported locally", logical_id, kind)
        self.resolver.resources[logical_id] = provisioned


def publish_config(ctx: LocalContext, repo_root: Path, stack: Stack) -> str | None:
    """Publish the config bundle with the SAM app's own tool (``tools/publish_config.py``)."""
    tool = repo_root / "tools" / "publish_config.py"
    if not tool.is_file():
        return None
    spec = importlib.util.spec_from_file_location("publish_config", tool)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bucket = next((p.ref for lid, p in stack.resources.items() if lid == "ArtifactsBucket"), None)
    if bucket is None:
        return None
    prefix = _config_prefix(stack)
    module.publish(ctx.client("s3"), bucket, prefix, repo_root)
    return f"s3://{bucket}/{prefix}"


def _config_prefix(stack: Stack) -> str:
    for spec in stack.functions.values():
        if "CONFIG_PREFIX" in spec.environment:
            return spec.environment["CONFIG_PREFIX"]
    return "config/"
