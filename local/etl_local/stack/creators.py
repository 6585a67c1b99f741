"""One creator per resource type: resolved CloudFormation properties -> API calls.

Every creator calls the service's API on the local API plane through boto3 (so the project's
engines see exactly what AWS would be asked), and returns what ``Ref``/``Fn::GetAtt`` of the
resource give. ``NOT_NEEDED_LOCALLY`` lists the types that have no local effect (access
control, logging, alarms); any other type without a creator is reported by the provisioner.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.config import Config

from etl_local.context import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, LocalContext, new_client
from etl_local.lambdas import FunctionSpec, LambdaRunner
from etl_local.stack.template import Provisioned


@dataclass
class Site:
    """What creators share: the API plane, the stack's identity, local code locations."""

    ctx: LocalContext
    stack_name: str
    template_dir: Path
    runner: LambdaRunner | None = None
    artifacts_bucket: str | None = None
    layers: dict[str, Path] = field(default_factory=dict)  # layer version ARN -> content dir
    functions: dict[str, FunctionSpec] = field(default_factory=dict)  # logical id -> spec
    state_machines: dict[str, str] = field(default_factory=dict)  # logical id -> ARN
    notes: list[str] = field(default_factory=list)
    order: dict[str, int] = field(default_factory=dict)  # logical id -> place in the template
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def region(self) -> str:
        return self.ctx.region

    @property
    def account(self) -> str:
        return self.ctx.account_id

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def client(self, service: str) -> Any:
        """A client whose parameters are coerced to the API's types, as CloudFormation does
        (``"10"`` for an integer member becomes ``10``)."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._new_client(service)
            return self._clients[service]

    def _new_client(self, service: str) -> Any:
        client = new_client(
            service,
            endpoint_url=self.ctx.endpoint_url,
            region_name=self.region,
            aws_access_key_id=LOCAL_ACCESS_KEY,
            aws_secret_access_key=LOCAL_SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, max_pool_connections=32),
        )
        client.meta.events.register("provide-client-params", _coerce_params)
        return client

    def local_path(self, uri: str) -> Path:
        path = (self.template_dir / uri).resolve()
        if not path.exists():
            raise FileNotFoundError(f"{uri}: no such file or folder next to the template")
        return path


Creator = Callable[[Site, str, dict[str, Any]], Provisioned]

# botocore shape type -> how a CloudFormation (string) value becomes it
_SCALARS: dict[str, Callable[[Any], Any]] = {
    "integer": int,
    "long": int,
    "float": float,
    "double": float,
    "boolean": lambda v: v if isinstance(v, bool) else str(v).lower() == "true",
    "string": lambda v: (
        v
        if isinstance(v, str)
        else json.dumps(v)
        if isinstance(v, dict | list)
        else str(v).lower()
        if isinstance(v, bool)
        else str(v)
    ),
}


def _coerce(shape: Any, value: Any) -> Any:
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: _coerce(shape.members.get(k), v) for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_coerce(shape.member, v) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _coerce(shape.value, v) for k, v in value.items()}
    convert = _SCALARS.get(shape.type_name)
    try:
        return convert(value) if convert else value
    except (TypeError, ValueError):
        return value


def _coerce_params(params: dict[str, Any], model: Any, **_: Any) -> None:
    coerced = _coerce(model.input_shape, params)
    params.clear()
    params.update(coerced)


def generated_name(stack: str, logical_id: str, max_length: int = 64, lower: bool = False) -> str:
    """The name CloudFormation generates: ``<stack>-<LogicalId>-<suffix>`` (stable locally)."""
    suffix = hashlib.sha1(f"{stack}/{logical_id}".encode()).hexdigest()[:12].upper()  # noqa: S324
    head = f"{stack}-{logical_id}"[: max_length - len(suffix) - 1]
    name = f"{head}-{suffix}"
    return name.lower() if lower else name


def _pick(props: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: props[name] for name in names if name in props}


def _tags(props: dict[str, Any]) -> dict[str, str]:
    tags = props.get("Tags") or {}
    if isinstance(tags, list):
        return {t["Key"]: str(t["Value"]) for t in tags}
    return {k: str(v) for k, v in tags.items()}


# ----------------------------------------------------------------------------- S3


def create_bucket(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    name = props.get("BucketName") or generated_name(site.stack_name, logical_id, 63, lower=True)
    s3 = site.client("s3")
    s3.create_bucket(Bucket=name)
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration=props["VersioningConfiguration"]
        )
    if "BucketEncryption" in props:
        rules = [
            _renamed(rule, {"ServerSideEncryptionByDefault": "ApplyServerSideEncryptionByDefault"})
            for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if "LifecycleConfiguration" in props:
        rules = [_lifecycle_rule(rule) for rule in props["LifecycleConfiguration"]["Rules"]]
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    notification = _notification(props.get("NotificationConfiguration") or {})
    if notification:
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration=notification
        )
    if _tags(props):
        s3.put_bucket_tagging(
            Bucket=name,
            Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in _tags(props).items()]},
        )
    if logical_id == "ArtifactsBucket" or site.artifacts_bucket is None and "artifact" in name:
        site.artifacts_bucket = name
    return Provisioned(
        logical_id,
        "AWS::S3::Bucket",
        name,
        {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{site.region}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{site.region}.amazonaws.com",
        },
    )


def _renamed(value: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {names.get(k, k): v for k, v in value.items()}


# CloudFormation lifecycle rule member -> S3 API rule member (value reshaped)
_LIFECYCLE_MEMBERS: dict[str, Callable[[Any], tuple[str, Any]]] = {
    "Id": lambda v: ("ID", v),
    "Status": lambda v: ("Status", v),
    "Prefix": lambda v: ("Filter", {"Prefix": v}),
    "ExpirationInDays": lambda v: ("Expiration", {"Days": int(v)}),
    "ExpirationDate": lambda v: ("Expiration", {"Date": v}),
    "NoncurrentVersionExpiration": lambda v: ("NoncurrentVersionExpiration", v),
    "NoncurrentVersionExpirationInDays": lambda v: (
        "NoncurrentVersionExpiration",
        {"NoncurrentDays": int(v)},
    ),
    "AbortIncompleteMultipartUpload": lambda v: ("AbortIncompleteMultipartUpload", v),
    "Transitions": lambda v: (
        "Transitions",
        [_renamed(t, {"TransitionInDays": "Days", "TransitionDate": "Date"}) for t in v],
    ),
}


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    api_rule: dict[str, Any] = {"Filter": {"Prefix": ""}}
    for member, value in rule.items():
        if member in _LIFECYCLE_MEMBERS:
            name, converted = _LIFECYCLE_MEMBERS[member](value)
            api_rule[name] = converted
    return api_rule


# CloudFormation notification member -> S3 API member
_NOTIFICATION_MEMBERS = {
    "LambdaConfigurations": ("LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
    "QueueConfigurations": ("QueueConfigurations", "Queue", "QueueArn"),
    "TopicConfigurations": ("TopicConfigurations", "Topic", "TopicArn"),
}


def _notification(config: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if config.get("EventBridgeConfiguration", {}).get("EventBridgeEnabled") in (True, "true"):
        result["EventBridgeConfiguration"] = {}
    for cfn_member, (api_member, cfn_arn, api_arn) in _NOTIFICATION_MEMBERS.items():
        entries = []
        for entry in config.get(cfn_member, []):
            api_entry = {api_arn: entry[cfn_arn], "Events": [entry["Event"]]}
            if "Filter" in entry:
                rules = entry["Filter"]["S3Key"]["Rules"]
                api_entry["Filter"] = {"Key": {"FilterRules": rules}}
            entries.append(api_entry)
        if entries:
            result[api_member] = entries
    return result


# ----------------------------------------------------------------------------- Glue


def create_glue_database(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    database_input = dict(props["DatabaseInput"])
    database_input.setdefault("Name", generated_name(site.stack_name, logical_id, lower=True))
    site.client("glue").create_database(DatabaseInput=database_input)
    return Provisioned(logical_id, "AWS::Glue::Database", database_input["Name"])


def create_crawler(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    name = props.get("Name") or generated_name(site.stack_name, logical_id)
    params = _pick(
        props,
        "Role",
        "DatabaseName",
        "Description",
        "Targets",
        "Schedule",
        "Classifiers",
        "TablePrefix",
        "SchemaChangePolicy",
        "RecrawlPolicy",
        "LineageConfiguration",
        "Configuration",
        "CrawlerSecurityConfiguration",
        "LakeFormationConfiguration",
    )
    if isinstance(params.get("Schedule"), dict):
        params["Schedule"] = params["Schedule"]["ScheduleExpression"]
    if _tags(props):
        params["Tags"] = _tags(props)
    site.client("glue").create_crawler(Name=name, **params)
    return Provisioned(logical_id, "AWS::Glue::Crawler", name)


# CloudFormation classifier member -> the API's (same shapes, one member each)
_CLASSIFIER_KINDS = ("CsvClassifier", "GrokClassifier", "JsonClassifier", "XMLClassifier")


# Members CloudFormation spells differently from the Glue API.
_CLASSIFIER_MEMBERS_CFN_TO_API = {"ContainsCustomDatatype": "CustomDatatypes"}


def create_classifier(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    ((kind, definition),) = ((k, props[k]) for k in _CLASSIFIER_KINDS if k in props)
    definition = {_CLASSIFIER_MEMBERS_CFN_TO_API.get(k, k): v for k, v in definition.items()}
    definition.setdefault("Name", generated_name(site.stack_name, logical_id).lower())
    site.client("glue").create_classifier(**{kind: definition})
    return Provisioned(logical_id, "AWS::Glue::Classifier", definition["Name"])


def create_glue_job(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    name = props.get("Name") or generated_name(site.stack_name, logical_id)
    command = dict(props["Command"])
    command["ScriptLocation"] = _package(site, command["ScriptLocation"])
    params = _pick(
        props,
        "Description",
        "LogUri",
        "Role",
        "ExecutionProperty",
        "DefaultArguments",
        "NonOverridableArguments",
        "Connections",
        "MaxRetries",
        "AllocatedCapacity",
        "Timeout",
        "MaxCapacity",
        "SecurityConfiguration",
        "NotificationProperty",
        "GlueVersion",
        "NumberOfWorkers",
        "WorkerType",
        "ExecutionClass",
    )
    for key in ("--extra-py-files", "--extra-files"):
        extra = params.get("DefaultArguments", {}).get(key)
        if extra:
            params["DefaultArguments"][key] = ",".join(
                _package(site, item) for item in str(extra).split(",")
            )
    if _tags(props):
        params["Tags"] = _tags(props)
    site.client("glue").create_job(Name=name, Command=command, **params)
    return Provisioned(logical_id, "AWS::Glue::Job", name)


def _package(site: Site, location: str) -> str:
    """A local script path becomes an object in the artifacts bucket, as ``sam package`` does."""
    if location.startswith("s3://"):
        return location
    path = site.local_path(location)
    if site.artifacts_bucket is None:
        raise RuntimeError(f"{location}: no artifacts bucket to package it into")
    relative = path.relative_to(site.template_dir.resolve()).as_posix()
    key = f"packaged/{relative}"
    site.client("s3").put_object(Bucket=site.artifacts_bucket, Key=key, Body=path.read_bytes())
    return f"s3://{site.artifacts_bucket}/{key}"


# ----------------------------------------------------------------------------- Athena


def create_workgroup(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    name = props["Name"]
    params: dict[str, Any] = {"Name": name}
    if "Description" in props:
        params["Description"] = props["Description"]
    if "WorkGroupConfiguration" in props:
        params["Configuration"] = props["WorkGroupConfiguration"]
    if _tags(props):
        params["Tags"] = [{"Key": k, "Value": v} for k, v in _tags(props).items()]
    athena = site.client("athena")
    if name == "primary":
        athena.update_work_group(
            WorkGroup=name, ConfigurationUpdates=params.get("Configuration", {})
        )
    else:
        athena.create_work_group(**params)
    return Provisioned(logical_id, "AWS::Athena::WorkGroup", name)


# ----------------------------------------------------------------------------- DataBrew


def create_brew_dataset(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    params = _pick(props, "Name", "Format", "FormatOptions", "Input", "PathOptions", "Source")
    if _tags(props):
        params["Tags"] = _tags(props)
    site.client("databrew").create_dataset(**params)
    return Provisioned(logical_id, "AWS::DataBrew::Dataset", props["Name"])


def create_brew_recipe(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    brew = site.client("databrew")
    params = _pick(props, "Name", "Description", "Steps")
    if _tags(props):
        params["Tags"] = _tags(props)
    brew.create_recipe(**params)
    brew.publish_recipe(Name=props["Name"])
    return Provisioned(logical_id, "AWS::DataBrew::Recipe", props["Name"])


def create_brew_job(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    brew = site.client("databrew")
    common = _pick(
        props,
        "Name",
        "DatasetName",
        "EncryptionKeyArn",
        "EncryptionMode",
        "LogSubscription",
        "MaxCapacity",
        "MaxRetries",
        "RoleArn",
        "Timeout",
        "JobSample",
    )
    if _tags(props):
        common["Tags"] = _tags(props)
    if props.get("Type") == "PROFILE":
        brew.create_profile_job(OutputLocation=props["OutputLocation"], **common)
    else:
        extra = _pick(props, "Outputs", "DataCatalogOutputs", "DatabaseOutputs", "ProjectName")
        recipe = props.get("Recipe")
        if recipe:
            reference = {"Name": recipe["Name"]}
            if "Version" in recipe:
                reference["RecipeVersion"] = str(recipe["Version"])
            extra["RecipeReference"] = reference
        brew.create_recipe_job(**common, **extra)
    return Provisioned(logical_id, "AWS::DataBrew::Job", props["Name"])


# ----------------------------------------------------------------------------- messaging


def create_topic(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    name = props.get("TopicName") or generated_name(site.stack_name, logical_id, 256)
    sns = site.client("sns")
    attributes = {}
    if props.get("FifoTopic"):
        attributes["FifoTopic"] = "true"
    arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    for subscription in props.get("Subscription", []):
        sns.subscribe(
            TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"]
        )
    return Provisioned(logical_id, "AWS::SNS::Topic", arn, {"TopicArn": arn, "TopicName": name})


def create_subscription(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    arn = site.client("sns").subscribe(
        TopicArn=props["TopicArn"],
        Protocol=props["Protocol"],
        Endpoint=props["Endpoint"],
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return Provisioned(logical_id, "AWS::SNS::Subscription", arn, {"Arn": arn})


_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "KmsMasterKeyId",
    "SqsManagedSseEnabled",
)


def create_queue(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    fifo = str(props.get("FifoQueue", "")).lower() == "true"
    name = props.get("QueueName") or generated_name(site.stack_name, logical_id, 75) + (
        ".fifo" if fifo else ""
    )
    attributes = {k: _attr(props[k]) for k in _QUEUE_ATTRIBUTES if k in props}
    for member in ("RedrivePolicy", "RedriveAllowPolicy"):
        if member in props:
            attributes[member] = json.dumps(props[member])
    url = site.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = site.arn("sqs", name)
    return Provisioned(
        logical_id, "AWS::SQS::Queue", url, {"Arn": arn, "QueueName": name, "QueueUrl": url}
    )


def _attr(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


# ----------------------------------------------------------------------------- EventBridge

_TARGET_MEMBERS = (
    "Id",
    "Arn",
    "RoleArn",
    "Input",
    "InputPath",
    "InputTransformer",
    "RetryPolicy",
    "DeadLetterConfig",
    "SqsParameters",
)


def create_rule(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    name = props.get("Name") or generated_name(site.stack_name, logical_id)
    bus = props.get("EventBusName", "default")
    if bus.startswith("arn:"):
        bus = bus.rsplit("/", 1)[-1]
    params: dict[str, Any] = {"Name": name, "EventBusName": bus}
    if "EventPattern" in props:
        pattern = props["EventPattern"]
        params["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    params.update(_pick(props, "ScheduleExpression", "State", "Description", "RoleArn"))
    events = site.client("events")
    arn = events.put_rule(**params)["RuleArn"]
    targets = [_pick(t, *_TARGET_MEMBERS) for t in props.get("Targets", [])]
    if targets:
        events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
    return Provisioned(logical_id, "AWS::Events::Rule", name, {"Arn": arn})


def create_event_bus(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    arn = site.client("events").create_event_bus(Name=props["Name"])["EventBusArn"]
    return Provisioned(
        logical_id, "AWS::Events::EventBus", props["Name"], {"Arn": arn, "Name": props["Name"]}
    )


# ----------------------------------------------------------------------------- Lambda


def create_layer(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    name = props.get("LayerName") or logical_id
    content = props.get("ContentUri") or props.get("Content")
    if not isinstance(content, str):
        raise ValueError(f"{logical_id}: only a local ContentUri folder is supported locally")
    arn = site.arn("lambda", f"layer:{name}:1")
    site.layers[arn] = site.local_path(content)
    return Provisioned(logical_id, "AWS::Serverless::LayerVersion", arn, {"Arn": arn})


def _layer_path(site: Site, arn: str) -> Path:
    if arn not in site.layers:
        raise ValueError(f"layer {arn} is not a layer of this template")
    return site.layers[arn]


def create_function(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    name = props.get("FunctionName") or generated_name(site.stack_name, logical_id)
    code = props.get("CodeUri")
    if not isinstance(code, str):
        raise ValueError(f"{logical_id}: CodeUri must be a local folder to run locally")
    variables = (props.get("Environment") or {}).get("Variables") or {}
    invoke_config = props.get("EventInvokeConfig") or {}
    spec = FunctionSpec(
        name=name,
        handler=props["Handler"],
        code_dir=site.local_path(code),
        runtime=props.get("Runtime", "python3.13"),
        timeout=float(props.get("Timeout", 3)),
        memory_mb=int(props.get("MemorySize", 128)),
        environment={k: _env_text(v) for k, v in variables.items()},
        layers=tuple(_layer_path(site, arn) for arn in props.get("Layers", [])),
        logical_id=logical_id,
        async_retries=int(invoke_config.get("MaximumRetryAttempts", 2)),
        on_failure=invoke_config.get("DestinationConfig", {})
        .get("OnFailure", {})
        .get("Destination"),
        region=site.region,
        account_id=site.account,
    )
    site.functions[logical_id] = spec
    if site.runner is not None:
        site.runner.register(spec, prestart_rank=site.order.get(logical_id, 0))
    return Provisioned(logical_id, "AWS::Serverless::Function", name, {"Arn": spec.arn})


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


# ----------------------------------------------------------------------------- Step Functions


def create_state_machine(site: Site, logical_id: str, props: dict[str, Any]) -> Provisioned:
    name = (
        props.get("Name")
        or props.get("StateMachineName")
        or generated_name(site.stack_name, logical_id, 80)
    )
    definition = _definition(site, props)
    params: dict[str, Any] = {
        "name": name,
        "definition": definition,
        "roleArn": props.get("Role") or props.get("RoleArn") or site.arn("iam", f"role/{name}"),
        "type": props.get("Type") or props.get("StateMachineType") or "STANDARD",
    }
    if _tags(props):
        params["tags"] = [{"key": k, "value": v} for k, v in _tags(props).items()]
    sfn = site.client("stepfunctions")
    try:
        arn = sfn.create_state_machine(**params)["stateMachineArn"]
    except sfn.exceptions.StateMachineAlreadyExists:  # kept in the workspace from a last run
        arn = site.arn("states", f"stateMachine:{name}")
        sfn.update_state_machine(
            stateMachineArn=arn, definition=definition, roleArn=params["roleArn"]
        )
    site.state_machines[logical_id] = arn
    return Provisioned(logical_id, "AWS::Serverless::StateMachine", arn, {"Arn": arn, "Name": name})


def _definition(site: Site, props: dict[str, Any]) -> str:
    if "DefinitionUri" in props or "DefinitionS3Location" in props:
        uri = props.get("DefinitionUri") or props["DefinitionS3Location"]
        text = site.local_path(uri).read_text()
    elif "Definition" in props:
        text = json.dumps(props["Definition"])
    else:
        text = props["DefinitionString"]
    substitutions = props.get("DefinitionSubstitutions") or {}
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", _env_text(value))
    return text


# ----------------------------------------------------------------------------- registry

CREATORS: dict[str, Creator] = {
    "AWS::S3::Bucket": create_bucket,
    "AWS::Glue::Database": create_glue_database,
    "AWS::Glue::Classifier": create_classifier,
    "AWS::Glue::Crawler": create_crawler,
    "AWS::Glue::Job": create_glue_job,
    "AWS::Athena::WorkGroup": create_workgroup,
    "AWS::DataBrew::Dataset": create_brew_dataset,
    "AWS::DataBrew::Recipe": create_brew_recipe,
    "AWS::DataBrew::Job": create_brew_job,
    "AWS::SNS::Topic": create_topic,
    "AWS::SNS::Subscription": create_subscription,
    "AWS::SQS::Queue": create_queue,
    "AWS::Events::Rule": create_rule,
    "AWS::Events::EventBus": create_event_bus,
    "AWS::Serverless::LayerVersion": create_layer,
    "AWS::Lambda::LayerVersion": create_layer,
    "AWS::Serverless::Function": create_function,
    "AWS::Serverless::StateMachine": create_state_machine,
    "AWS::StepFunctions::StateMachine": create_state_machine,
}

# Types with no local effect: access control, encryption keys, logging and monitoring.
NOT_NEEDED_LOCALLY = frozenset(
    {
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::InstanceProfile",
        "AWS::Lambda::Permission",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::Logs::LogGroup",
        "AWS::Logs::SubscriptionFilter",
        "AWS::Logs::MetricFilter",
        "AWS::CloudWatch::Alarm",
        "AWS::CloudWatch::Dashboard",
        "AWS::KMS::Key",
        "AWS::KMS::Alias",
        "AWS::Glue::SecurityConfiguration",
        "AWS::LakeFormation::Permissions",
        "AWS::LakeFormation::DataLakeSettings",
        "AWS::Events::Archive",
        "AWS::XRay::Group",
        "AWS::XRay::SamplingRule",
    }
)
