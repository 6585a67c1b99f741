"""template.yaml and statemachine/pipeline.asl.json: linters, and the contracts between them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from publish_config import sync_recipes, validate

from .conftest import ROOT, Resolver

pytestmark = pytest.mark.unit

DEFINITION = ROOT / "statemachine" / "pipeline.asl.json"
SUBSTITUTION = re.compile(r"\$\{([A-Za-z0-9]+)\}")
LAMBDA_RETRIES = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}
# Catch is only for expected business outcomes (DESIGN.md): rejected input, a crawl to reuse.
ALLOWED_CATCHES = {"InputRejected", "Glue.CrawlerRunningException"}


def _definition() -> dict[str, Any]:
    return json.loads(DEFINITION.read_text())


def _all_states(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        yield name, state
        if state["Type"] == "Map":
            yield from _all_states(state["ItemProcessor"]["States"])
        for branch in state.get("Branches", []):
            yield from _all_states(branch["States"])


def _tasks() -> list[tuple[str, dict[str, Any]]]:
    return [(n, s) for n, s in _all_states(_definition()["States"]) if s["Type"] == "Task"]


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == kind}


# --------------------------------------------------------------------------- contracts
def test_substitutions_match_both_ways(template: dict[str, Any]) -> None:
    used = set(SUBSTITUTION.findall(DEFINITION.read_text()))
    provided = set(
        template["Resources"]["PipelineStateMachine"]["Properties"]["DefinitionSubstitutions"]
    )
    assert used == provided


def test_every_lambda_in_the_definition_exists(template: dict[str, Any]) -> None:
    substitutions = template["Resources"]["PipelineStateMachine"]["Properties"][
        "DefinitionSubstitutions"
    ]
    functions = _resources(template, "AWS::Serverless::Function")
    lambdas = [
        s["Parameters"]["FunctionName"]
        for _, s in _tasks()
        if s["Resource"] == "arn:aws:states:::lambda:invoke"
    ]
    assert lambdas
    for reference in lambdas:
        (name,) = SUBSTITUTION.findall(reference)
        logical_id, attribute = substitutions[name]["Fn::GetAtt"]
        assert (logical_id, attribute) == (logical_id, "Arn") and logical_id in functions


def test_every_function_has_its_folder_handler_and_layer(template: dict[str, Any]) -> None:
    functions = _resources(template, "AWS::Serverless::Function")
    assert template["Globals"]["Function"]["Runtime"] == "python3.13"
    assert template["Globals"]["Function"]["Architectures"] == ["arm64"]
    assert template["Globals"]["Function"]["Layers"] == [{"Ref": "SharedLayer"}]
    folders = {
        p.name
        for p in (ROOT / "functions").iterdir()
        if p.is_dir() and not p.name.startswith(("_", "."))
    }
    assert {Path(f["Properties"]["CodeUri"]).name for f in functions.values()} == folders
    for logical_id, function in functions.items():
        props = function["Properties"]
        folder = ROOT / props["CodeUri"]
        assert props["Handler"] == "app.lambda_handler", logical_id
        assert "def lambda_handler(" in (folder / "app.py").read_text()
        assert (folder / "requirements.txt").is_file()


def test_every_file_the_template_and_datasets_name_exists(template: dict[str, Any]) -> None:
    validate(ROOT)  # athena steps, recipes and scripts named by datasets/*.yaml
    job = template["Resources"]["EnrichJob"]["Properties"]["Command"]["ScriptLocation"]
    assert (ROOT / job).is_file()
    props = template["Resources"]["PipelineStateMachine"]["Properties"]
    assert (ROOT / props["DefinitionUri"]).is_file()
    assert (
        ROOT / template["Resources"]["SharedLayer"]["Properties"]["ContentUri"] / "Makefile"
    ).is_file()


def test_datasets_use_the_templates_recipes_and_job(
    template: dict[str, Any], resolver: Resolver
) -> None:
    store = validate(ROOT)
    recipes = {resolver.name(lid) for lid in _resources(template, "AWS::DataBrew::Recipe")}
    script = template["Resources"]["EnrichJob"]["Properties"]["Command"]["ScriptLocation"]
    for config in store.datasets.values():
        if config.databrew is not None:
            assert f"etl-local-local-{config.databrew.recipe}" in recipes, config.name
        if config.glue_job is not None:
            assert config.glue_job.script == script, config.name


def test_template_recipes_equal_glue_recipes(template: dict[str, Any]) -> None:
    current, fresh = sync_recipes(ROOT / "template.yaml", ROOT)
    assert current == fresh, "run: python tools/publish_config.py sync-recipes"
    for recipe in _resources(template, "AWS::DataBrew::Recipe").values():
        source = recipe["Properties"]["Description"]
        assert recipe["Properties"]["Steps"] == json.loads((ROOT / source).read_text())


# --------------------------------------------------------------------------- workflow rules
def test_every_task_has_a_timeout_and_jittered_retries() -> None:
    for name, state in _tasks():
        assert isinstance(state.get("TimeoutSeconds"), int), name
        assert state.get("Retry"), name
        for retrier in state["Retry"]:
            assert retrier["JitterStrategy"] == "FULL", name
            assert retrier["BackoffRate"] > 1, name


def test_lambda_tasks_retry_the_transient_lambda_errors() -> None:
    for name, state in _tasks():
        if state["Resource"] == "arn:aws:states:::lambda:invoke":
            assert set(state["Retry"][0]["ErrorEquals"]) >= LAMBDA_RETRIES, name


def test_catch_only_business_outcomes_and_never_to_fail() -> None:
    states = dict(_all_states(_definition()["States"]))
    for name, state in states.items():
        for catcher in state.get("Catch", []):
            assert set(catcher["ErrorEquals"]) <= ALLOWED_CATCHES, name
            assert states[catcher["Next"]]["Type"] != "Fail", name
            assert "States.ALL" not in catcher["ErrorEquals"]


def test_crawl_loop_waits_by_configuration_and_reads_state_and_last_crawl() -> None:
    states = _definition()["States"]
    assert states["WaitForCrawler"]["SecondsPath"] == "$.crawl.poll_seconds"
    assert {c["StringEquals"] for c in states["CrawlerDecision"]["Choices"]} == {
        "READY",
        "WAIT",
        "CRAWL",
    }
    assert states["StartCrawler"]["Resource"] == "arn:aws:states:::aws-sdk:glue:startCrawler"
    athena = states["RunAthenaSteps"]
    assert athena["MaxConcurrency"] == 1
    run = athena["ItemProcessor"]["States"]["RunQuery"]
    assert run["Resource"] == "arn:aws:states:::athena:startQueryExecution.sync"
    assert run["Parameters"]["WorkGroup"] == "${AthenaWorkGroup}"
    assert states["RunDataBrewJob"]["Resource"] == "arn:aws:states:::databrew:startJobRun.sync"
    assert states["RunEnrichJob"]["Resource"] == "arn:aws:states:::glue:startJobRun.sync"


def test_optional_stages_are_skipped_by_choice() -> None:
    states = _definition()["States"]
    for choice, first, skip_to in (
        ("HasDataBrewStage", "CreateDataBrewDataset", "HasGlueJobStage"),
        ("HasGlueJobStage", "RunEnrichJob", "Commit"),
    ):
        assert states[choice]["Choices"][0]["Next"] == first
        assert states[choice]["Default"] == skip_to


def test_local_samconfig_polls_fast() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    assert "CrawlerPollSeconds=1" in config["local"]["deploy"]["parameters"]["parameter_overrides"]
    assert {"default", "dev", "prod", "local"} <= set(config)


# --------------------------------------------------------------------------- resources
def test_buckets_are_encrypted_private_and_tls_only(template: dict[str, Any]) -> None:
    buckets = _resources(template, "AWS::S3::Bucket")
    policies = {
        p["Properties"]["Bucket"]["Ref"]: p
        for p in _resources(template, "AWS::S3::BucketPolicy").values()
    }
    assert set(buckets) == {"RawBucket", "LakeBucket", "AthenaResultsBucket", "ArtifactsBucket"}
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], logical_id
        assert all(props["PublicAccessBlockConfiguration"].values()), logical_id
        (statement,) = policies[logical_id]["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert props["LifecycleConfiguration"]["Rules"], logical_id
    assert buckets["RawBucket"]["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    assert buckets["RawBucket"]["Properties"]["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }


def test_names_derive_from_stack_and_stage(resolver: Resolver) -> None:
    for logical_id in (
        "RawBucket",
        "LakeBucket",
        "RawCrawler",
        "AthenaWorkGroup",
        "PipelineStateMachine",
        "EnrichJob",
    ):
        assert resolver.name(logical_id).startswith("etl-local-local"), logical_id
    assert resolver.name("RawDatabase") == "raw"  # GlueDatabasePrefix defaults to empty


def test_crawler_is_incremental_and_inherits_partition_schema(template: dict[str, Any]) -> None:
    props = template["Resources"]["RawCrawler"]["Properties"]
    assert props["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
    assert props["Classifiers"] == [{"Ref": "RawCsvClassifier"}]
    csv = template["Resources"]["RawCsvClassifier"]["Properties"]["CsvClassifier"]
    assert csv["ContainsHeader"] == "PRESENT"
    assert props["SchemaChangePolicy"] == {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
    configuration = json.loads(props["Configuration"])
    assert configuration["CrawlerOutput"]["Partitions"] == {
        "AddOrUpdateBehavior": "InheritFromTable"
    }
    assert configuration["Grouping"]["TableGroupingPolicy"] == "CombineCompatibleSchemas"


def test_workgroup_enforces_engine_v3_results_and_cutoff(template: dict[str, Any]) -> None:
    config = template["Resources"]["AthenaWorkGroup"]["Properties"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["EngineVersion"] == {"SelectedEngineVersion": "Athena engine version 3"}
    assert config["ResultConfiguration"]["EncryptionConfiguration"]["EncryptionOption"] == "SSE_S3"
    assert config["BytesScannedCutoffPerQuery"] == {"Ref": "AthenaBytesScannedCutoff"}


def test_event_rules_retry_and_dead_letter(template: dict[str, Any]) -> None:
    functions = _resources(template, "AWS::Serverless::Function")
    rules = {
        lid: event["Properties"]
        for lid, f in functions.items()
        for event in f["Properties"].get("Events", {}).values()
        if event["Type"] == "EventBridgeRule"
    }
    assert set(rules) == {"TriggerFunction", "FailureHandlerFunction"}
    for logical_id, rule in rules.items():
        assert rule["RetryPolicy"]["MaximumRetryAttempts"] > 0, logical_id
        assert "Arn" in rule["DeadLetterConfig"], logical_id
        on_failure = functions[logical_id]["Properties"]["EventInvokeConfig"]["DestinationConfig"][
            "OnFailure"
        ]
        assert on_failure["Type"] == "SQS"
    assert rules["FailureHandlerFunction"]["Pattern"]["detail"]["status"] == [
        "FAILED",
        "TIMED_OUT",
        "ABORTED",
    ]
    assert rules["TriggerFunction"]["Pattern"]["detail"]["object"]["key"] == [
        {"wildcard": "raw/*.csv"}
    ]


def _statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        for policy in props.get("Policies", []) if isinstance(props.get("Policies"), list) else []:
            document = policy.get("PolicyDocument", policy) if isinstance(policy, dict) else {}
            for statement in document.get("Statement", []) if isinstance(document, dict) else []:
                yield logical_id, statement
        for statement in props.get("PolicyDocument", {}).get("Statement", []):
            yield logical_id, statement


def test_no_wildcard_resources_where_the_arn_is_known(template: dict[str, Any]) -> None:
    wildcard = [
        (lid, s.get("Sid"))
        for lid, s in _statements(template)
        if s.get("Resource") == "*" and s.get("Effect") == "Allow"
    ]
    # CloudWatch Logs delivery and X-Ray accept no resource-level permissions.
    assert wildcard == [
        ("PipelineStateMachine", "LogDelivery"),
        ("PipelineStateMachine", "Tracing"),
    ]


def test_operators_can_redrive(template: dict[str, Any]) -> None:
    statements = template["Resources"]["OperatorPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    assert any("states:RedriveExecution" in s["Action"] for s in statements)


def test_state_machine_is_standard_logged_and_traced(template: dict[str, Any]) -> None:
    props = template["Resources"]["PipelineStateMachine"]["Properties"]
    assert props["Type"] == "STANDARD"
    assert props["Tracing"] == {"Enabled": True}
    assert (
        props["Logging"]["Level"] == "ERROR" and props["Logging"]["IncludeExecutionData"] is False
    )


def test_every_log_group_has_retention(template: dict[str, Any]) -> None:
    groups = _resources(template, "AWS::Logs::LogGroup")
    functions = _resources(template, "AWS::Serverless::Function")
    assert len(groups) == len(functions) + 1
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_outputs_name_what_operators_need(template: dict[str, Any]) -> None:
    assert {
        "RawBucketName",
        "LakeBucketName",
        "StateMachineArn",
        "AthenaWorkGroupName",
        "RawDatabaseName",
    } <= set(template["Outputs"])


def test_every_sample_event_is_exercised_by_a_test() -> None:
    tests = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    unused = [p.name for p in sorted((ROOT / "events").glob("*.json")) if p.name not in tests]
    assert unused == []


def test_the_project_interpreter_accepts_the_definition_unchanged() -> None:
    from etl_local.stepfunctions.machine import load
    from etl_local.stepfunctions.validation import validate

    definition = _definition()
    assert validate(definition) == []
    assert set(load(definition).states) == set(definition["States"])
