"""The synthesized template matches the declaration: tables, routes, functions, schedules, access."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk import App, Stack

from goalpost import declaration
from infra.constructs._common import context_flag, pascal
from infra.constructs.bundling import requirements_of
from infra.constructs.layers import Layers, powertools_parameter_name
from infra.constructs.sub_minute import slot_offsets

if TYPE_CHECKING:
    from constructs import IConstruct

    from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]


def refs(value: Any) -> Iterator[str]:
    """Every logical id a template fragment points at through Ref or Fn::GetAtt."""
    if isinstance(value, dict):
        if "Ref" in value:
            yield value["Ref"]
        elif "Fn::GetAtt" in value:
            yield value["Fn::GetAtt"][0]
        else:
            for item in value.values():
                yield from refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs(item)


def only_ref(value: Any) -> str:
    found = set(refs(value))
    assert len(found) == 1, value
    return found.pop()


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_statements(synth: Synth, function_id: str) -> list[dict[str, Any]]:
    """The statements of every IAM policy attached to the function's role."""
    role_id = only_ref(synth.json["Resources"][function_id]["Properties"]["Role"])
    return [
        statement
        for policy in synth.resources("AWS::IAM::Policy").values()
        if role_id in refs(policy["Properties"]["Roles"])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


# ------------------------------------------------------------------ DynamoDB


@pytest.mark.parametrize("table", declaration.TABLES, ids=lambda t: t.key)
def test_every_declared_table_exists_with_its_keys_indexes_ttl_and_pitr(synth: Synth, table: declaration.Table) -> None:
    resource = synth.json["Resources"][synth.logical_id(synth.stack.data.tables[table.key])]
    assert resource["Type"] == "AWS::DynamoDB::GlobalTable"
    assert resource["DeletionPolicy"] == "Retain"
    props = resource["Properties"]

    key_schema = [{"AttributeName": table.partition_key, "KeyType": "HASH"}]
    if table.sort_key:
        key_schema.append({"AttributeName": table.sort_key, "KeyType": "RANGE"})
    assert props["KeySchema"] == key_schema
    assert props["BillingMode"] == ("PAY_PER_REQUEST" if table.capacity is None else "PROVISIONED")
    assert all(attr["AttributeType"] == "S" for attr in props["AttributeDefinitions"])

    indexes = {index["IndexName"]: index for index in props.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {index.name for index in table.indexes}
    for index in table.indexes:
        assert indexes[index.name]["KeySchema"] == [
            {"AttributeName": index.partition_key, "KeyType": "HASH"},
            {"AttributeName": index.sort_key, "KeyType": "RANGE"},
        ]
        projection = (
            {"ProjectionType": "ALL"}
            if index.projection is None
            else {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.projection)}
        )
        assert indexes[index.name]["Projection"] == projection

    assert props["TimeToLiveSpecification"] == {"AttributeName": table.ttl_attribute, "Enabled": True}
    # cdk-nag's DDB3 does not look at GlobalTable replicas, so PITR is checked here.
    (replica,) = props["Replicas"]
    assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert replica["DeletionProtectionEnabled"] is True


def _scaling(settings: dict[str, Any]) -> tuple[int, int, float]:
    policy = settings["TargetTrackingScalingPolicyConfiguration"]
    return settings["MinCapacity"], settings["MaxCapacity"], policy["TargetValue"]


def test_the_snapshots_table_scales_its_provisioned_capacity_and_has_no_index(synth: Synth) -> None:
    """The snapshots' writes are a steady, paced load: provisioned read and write units, each auto scaled
    between the declared bounds to the target utilisation. No index: the charts read the groups' totals items
    (goalpost.data.snapshots), where an index copy cost a write unit for each user and slot."""
    table = declaration.SNAPSHOTS_TABLE
    capacity = table.capacity
    assert capacity is not None
    props = synth.json["Resources"][synth.logical_id(synth.stack.data.tables[table.key])]["Properties"]
    reads = (capacity.min_read, capacity.max_read, capacity.target_percent)
    writes = (capacity.min_write, capacity.max_write, capacity.write_target)
    assert _scaling(props["WriteProvisionedThroughputSettings"]["WriteCapacityAutoScalingSettings"]) == writes
    (replica,) = props["Replicas"]
    assert _scaling(replica["ReadProvisionedThroughputSettings"]["ReadCapacityAutoScalingSettings"]) == reads
    assert not props.get("GlobalSecondaryIndexes")
    assert not replica.get("GlobalSecondaryIndexes")


def test_no_undeclared_table(synth: Synth) -> None:
    assert len(synth.resources("AWS::DynamoDB::GlobalTable")) == len(declaration.TABLES)
    assert not synth.resources("AWS::DynamoDB::Table")


# ------------------------------------------------------------------ Lambda


@pytest.mark.parametrize("spec", declaration.ALL_FUNCTIONS, ids=lambda f: f.name)
def test_every_declared_function_is_configured_as_declared(synth: Synth, spec: declaration.Function) -> None:
    props = synth.json["Resources"][synth.function_id(spec.handler)]["Properties"]
    assert props["Runtime"] == declaration.LAMBDA_RUNTIME
    assert props["Architectures"] == [declaration.LAMBDA_ARCHITECTURE]
    assert props["MemorySize"] == spec.memory_mb
    assert props["Timeout"] == spec.timeout_seconds
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    log_group = synth.json["Resources"][only_ref(props["LoggingConfig"]["LogGroup"])]
    assert log_group["Properties"]["RetentionInDays"] == 30

    layers = {only_ref(layer) for layer in props["Layers"]}
    assert layers == {synth.logical_id(synth.stack.layers.goalpost), _powertools_parameter(synth)}

    expected_env = {
        **{
            declaration.TABLES_BY_KEY[key].env: {"Ref": synth.logical_id(synth.stack.data.tables[key])}
            for key in spec.tables
        },
        **{
            declaration.TOPICS_BY_KEY[key].env: {"Ref": synth.logical_id(synth.stack.alerts.topics[key])}
            for key in spec.topics
        },
        **{
            declaration.QUEUES_BY_KEY[key].env: {"Ref": synth.logical_id(synth.stack.queues.queues[key])}
            for key in spec.queues
        },
        **{
            declaration.SECRETS_BY_KEY[key].env: {"Ref": synth.logical_id(synth.stack.secrets.secrets[key])}
            for key in spec.secrets
        },
        **(
            {declaration.ACCOUNTS_KEY_ENV: {"Fn::GetAtt": [synth.logical_id(synth.stack.account_keys.key), "Arn"]}}
            if spec.account_keys != "none"
            else {}
        ),
        **(
            {declaration.TOPICS_KEY_ENV: {"Fn::GetAtt": [synth.logical_id(synth.stack.alerts.key), "Arn"]}}
            if spec.manages_user_topics
            else {}
        ),
        # Every API function checks CloudFront's origin secret (tests/infra/test_edge.py).
        **(
            {declaration.ORIGIN_SECRET_ENV: {"Ref": synth.logical_id(synth.stack.secrets.origin_secret)}}
            if spec.routes
            else {}
        ),
        **declaration.function_environment(spec),
    }
    assert props["Environment"]["Variables"] == expected_env


def test_no_undeclared_function(synth: Synth) -> None:
    assert len(synth.functions()) == len(declaration.ALL_FUNCTIONS)
    # The others: the CDK's providers of the SMS settings and of the web app's upload (tests/infra/conftest.py).
    assert set(synth.resources("AWS::Lambda::Function")) - set(synth.functions()) == synth.cdk_providers()
    assert len(synth.cdk_providers()) == 2


def _powertools_parameter(synth: Synth) -> str:
    (name,) = (
        name
        for name, parameter in synth.json["Parameters"].items()
        if parameter.get("Default") == powertools_parameter_name()
    )
    assert synth.json["Parameters"][name]["Type"] == "AWS::SSM::Parameter::Value<String>"
    return name


def _asset_dir(synth: Synth, s3_key: str) -> Path:
    return synth.outdir / f"asset.{s3_key.removesuffix('.zip')}"


def test_functions_share_one_code_asset_holding_only_the_functions_package(synth: Synth) -> None:
    keys = {fn["Properties"]["Code"]["S3Key"] for fn in synth.functions().values()}
    assert len(keys) == 1
    asset = _asset_dir(synth, keys.pop())
    assert [path.name for path in asset.iterdir()] == ["functions"]
    assert (asset / "functions" / "__init__.py").is_file()


@pytest.mark.parametrize("spec", declaration.ALL_FUNCTIONS, ids=lambda f: f.name)
def test_every_handler_module_is_in_the_code_asset(synth: Synth, spec: declaration.Function) -> None:
    module = Path(*spec.handler.split(".")[:-1]).with_suffix(".py")
    if not (ROOT / module).is_file():
        pytest.skip(f"{module} is not written yet")
    (key,) = {fn["Properties"]["Code"]["S3Key"] for fn in synth.functions().values()}
    assert (_asset_dir(synth, key) / module).is_file()


def test_goalpost_layer_ships_the_package_only(synth: Synth) -> None:
    layer = synth.json["Resources"][synth.logical_id(synth.stack.layers.goalpost)]["Properties"]
    assert layer["CompatibleRuntimes"] == [declaration.LAMBDA_RUNTIME]
    assert layer["CompatibleArchitectures"] == [declaration.LAMBDA_ARCHITECTURE]
    asset = _asset_dir(synth, layer["Content"]["S3Key"])
    assert [path.name for path in asset.iterdir()] == ["python"]
    assert (asset / "python" / "goalpost" / "declaration.py").is_file()
    # Its requirements (requirements.txt) where Lambda puts a layer on the path: beside the package.
    assert (asset / "python" / "cryptography" / "hazmat" / "primitives" / "ciphers" / "aead.py").is_file()


def test_powertools_layer_comes_from_the_public_ssm_parameter(synth: Synth) -> None:
    assert powertools_parameter_name() == (
        f"/aws/service/powertools/python/{declaration.LAMBDA_ARCHITECTURE}/{declaration.LAMBDA_RUNTIME}/"
        f"{declaration.POWERTOOLS_VERSION}"
    )
    _powertools_parameter(synth)


def test_powertools_layer_arn_can_be_pinned_by_context() -> None:
    arn = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:1"
    app = App(context={"powertools_layer_arn": arn})
    layers = Layers(Stack(app, "Probe"), "Layers")
    assert layers.powertools.layer_version_arn == arn


def test_layer_requirements_ignore_comments_and_blank_lines(tmp_path: Path) -> None:
    assert requirements_of(tmp_path) == []
    (tmp_path / "requirements.txt").write_text("# only comments\n\n   # indented\n", encoding="utf-8")
    assert requirements_of(tmp_path) == []
    (tmp_path / "requirements.txt").write_text("# pins\nfoo==1.0  # why\n\nbar>=2\n", encoding="utf-8")
    assert requirements_of(tmp_path) == ["foo==1.0", "bar>=2"]


# ------------------------------------------------------------------ IAM


# The tables each function may touch, and how: tests/infra/test_least_privilege.py


@pytest.mark.parametrize("spec", declaration.ALL_FUNCTIONS, ids=lambda f: f.name)
def test_each_function_may_publish_only_to_its_declared_topics(synth: Synth, spec: declaration.Function) -> None:
    statements = policy_statements(synth, synth.function_id(spec.handler))
    publishing = [s for s in statements if "sns:Publish" in as_list(s["Action"])]
    # The declared topics by reference; the SMS sender besides: phone numbers (Resource *), and the alert
    # raisers the users' own topics (by name prefix, tests/infra/test_least_privilege.py).
    published = {ref for s in publishing for ref in refs(s["Resource"]) if not ref.startswith("AWS::")}
    assert published == {synth.logical_id(synth.stack.alerts.topics[key]) for key in spec.topics}
    anywhere = any(s["Resource"] == "*" for s in publishing)
    assert anywhere == spec.sends_sms
    uses_key = any(
        "kms:GenerateDataKey*" in as_list(statement["Action"])
        and synth.logical_id(synth.stack.alerts.key) in refs(statement["Resource"])
        for statement in statements
    )
    assert uses_key == bool(spec.topics)


@pytest.mark.parametrize("spec", declaration.ALL_FUNCTIONS, ids=lambda f: f.name)
def test_function_roles_use_no_managed_policy_and_write_only_their_own_logs(
    synth: Synth, spec: declaration.Function
) -> None:
    function = synth.json["Resources"][synth.function_id(spec.handler)]["Properties"]
    role = synth.json["Resources"][only_ref(function["Role"])]["Properties"]
    assert "ManagedPolicyArns" not in role
    log_statements = [
        statement
        for statement in policy_statements(synth, synth.function_id(spec.handler))
        if any(action.startswith("logs:") for action in as_list(statement["Action"]))
    ]
    assert [only_ref(statement["Resource"]) for statement in log_statements] == [
        only_ref(function["LoggingConfig"]["LogGroup"])
    ]


# ------------------------------------------------------------------ SNS


def test_topics_are_encrypted_with_a_rotated_key_and_require_tls(synth: Synth) -> None:
    topics = synth.resources("AWS::SNS::Topic")
    declared = [*synth.stack.alerts.topics.values(), synth.stack.monitoring.topic]  # and the ops topic
    assert set(topics) == {synth.logical_id(topic) for topic in declared}
    policies = synth.resources("AWS::SNS::TopicPolicy").values()
    for topic_id, topic in topics.items():
        key = synth.json["Resources"][only_ref(topic["Properties"]["KmsMasterKeyId"])]
        assert key["Type"] == "AWS::KMS::Key"
        assert key["Properties"]["EnableKeyRotation"] is True
        denies_plain_http = [
            statement
            for policy in policies
            if topic_id in refs(policy["Properties"]["Topics"])
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            if statement["Effect"] == "Deny"
            and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            and "sns:Publish" in as_list(statement["Action"])
        ]
        assert denies_plain_http, topic_id


# ------------------------------------------------------------------ HTTP API


def _declared_routes() -> list[tuple[declaration.Function, declaration.Route]]:
    return [(spec, route) for spec in declaration.API_FUNCTIONS for route in spec.routes]


@pytest.mark.parametrize(
    ("spec", "route"), _declared_routes(), ids=lambda value: getattr(value, "route_key", None) or value.name
)
def test_every_declared_route_reaches_its_function_with_the_declared_auth(
    synth: Synth, spec: declaration.Function, route: declaration.Route
) -> None:
    matching = [
        resource["Properties"]
        for resource in synth.resources("AWS::ApiGatewayV2::Route").values()
        if resource["Properties"]["RouteKey"] == route.route_key
    ]
    assert len(matching) == 1, route.route_key
    props = matching[0]
    integration = synth.json["Resources"][only_ref(props["Target"])]["Properties"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert only_ref(integration["IntegrationUri"]) == synth.function_id(spec.handler)
    if route.public:
        assert props["AuthorizationType"] == "NONE"
        assert "AuthorizerId" not in props
    else:
        assert props["AuthorizationType"] == "JWT"
        authorizer = synth.json["Resources"][only_ref(props["AuthorizerId"])]
        assert authorizer["Type"] == "AWS::ApiGatewayV2::Authorizer"


def test_no_undeclared_route_and_one_integration_per_function(synth: Synth) -> None:
    assert len(synth.resources("AWS::ApiGatewayV2::Route")) == len(_declared_routes())
    assert len(synth.resources("AWS::ApiGatewayV2::Integration")) == len(declaration.API_FUNCTIONS)


def test_jwt_authorizer_trusts_the_user_pool_and_its_client(synth: Synth) -> None:
    (authorizer,) = synth.resources("AWS::ApiGatewayV2::Authorizer").values()
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "JWT"
    assert props["IdentitySource"] == ["$request.header.Authorization"]
    user_pool_id = synth.logical_id(synth.stack.auth.user_pool)
    issuer = props["JwtConfiguration"]["Issuer"]["Fn::Join"][1]
    assert issuer[0] == "https://cognito-idp."
    assert issuer[-1] == {"Ref": user_pool_id}
    assert props["JwtConfiguration"]["Audience"] == [{"Ref": synth.logical_id(synth.stack.auth.client)}]


def test_stage_is_throttled_and_access_logged_as_json(synth: Synth) -> None:
    (stage,) = synth.resources("AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": declaration.THROTTLE_RATE_PER_SECOND,
        "ThrottlingBurstLimit": declaration.THROTTLE_BURST,
    }
    log_group = synth.json["Resources"][only_ref(props["AccessLogSettings"]["DestinationArn"])]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    fields = json.loads(props["AccessLogSettings"]["Format"])
    assert {"requestId", "ip", "routeKey", "status", "latency"} <= set(fields)
    assert fields["requestId"] == "$context.requestId"


def test_cors_preflight(synth: Synth) -> None:
    """No cross-origin access by default (issue 23): the listed origins only (tests/infra/test_edge.py)."""
    (api,) = synth.resources("AWS::ApiGatewayV2::Api").values()
    assert "CorsConfiguration" not in api["Properties"]


# ------------------------------------------------------------------ Cognito


def test_user_pool_is_invite_only_with_required_totp(synth: Synth) -> None:
    pool = synth.json["Resources"][synth.logical_id(synth.stack.auth.user_pool)]
    assert pool["DeletionPolicy"] == "Retain"
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert props["UsernameAttributes"] == ["email"]
    assert props["MfaConfiguration"] == "ON"  # issue 23: required (tests/infra/test_auth.py)
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert props["DeletionProtection"] == "ACTIVE"
    password = props["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 12
    assert all(password[key] for key in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))

    client = synth.json["Resources"][synth.logical_id(synth.stack.auth.client)]["Properties"]
    assert client["GenerateSecret"] is False
    # Issue 23: tokens only from managed login's code grant, no SRP (tests/infra/test_auth.py).
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["AllowedOAuthFlows"] == ["code"]

    groups = [group["Properties"]["GroupName"] for group in synth.resources("AWS::Cognito::UserPoolGroup").values()]
    assert groups == ["admin"]


# ------------------------------------------------------------------ secrets


def test_every_declared_secret_exists_with_a_generated_placeholder(synth: Synth) -> None:
    secrets = synth.resources("AWS::SecretsManager::Secret")
    declared = {synth.logical_id(synth.stack.secrets.secrets[secret.key]) for secret in declaration.SECRETS}
    # And the origin secret CloudFront sends to the API (tests/infra/test_edge.py).
    assert set(secrets) == declared | {synth.logical_id(synth.stack.secrets.origin_secret)}
    for secret in declaration.SECRETS:
        props = secrets[synth.logical_id(synth.stack.secrets.secrets[secret.key])]["Properties"]
        # No value in the template: CloudFormation generates a placeholder the operator replaces.
        assert "SecretString" not in props
        generated = props["GenerateSecretString"]
        assert json.loads(generated["SecretStringTemplate"]) == {"key_id": ""}
        assert generated["GenerateStringKey"] == "secret_key"
        assert secret.description in props["Description"]


def _assert_environment_names(
    synth: Synth,
    spec: declaration.Function,
    declared: Sequence[declaration.Queue | declaration.Secret],
    used: Collection[str],
    constructs: Mapping[str, IConstruct],
) -> None:
    """The function's environment carries the Ref of each declared resource it uses, and no other's."""
    env = synth.json["Resources"][synth.function_id(spec.handler)]["Properties"]["Environment"]["Variables"]
    for resource in declared:
        if resource.key in used:
            assert env[resource.env] == {"Ref": synth.logical_id(constructs[resource.key])}
        else:
            assert resource.env not in env


@pytest.mark.parametrize("spec", declaration.ALL_FUNCTIONS, ids=lambda f: f.name)
def test_each_function_may_read_only_its_declared_secrets(synth: Synth, spec: declaration.Function) -> None:
    statements = policy_statements(synth, synth.function_id(spec.handler))
    secret_ids = {synth.logical_id(secret) for secret in synth.stack.secrets.secrets.values()}
    # The origin secret is every API function's, and only theirs (tests/infra/test_edge.py).
    origin_secret = synth.logical_id(synth.stack.secrets.origin_secret)
    readable = {
        ref
        for statement in statements
        if any(action.startswith("secretsmanager:") for action in as_list(statement["Action"]))
        for ref in refs(statement["Resource"])
    }
    assert (origin_secret in readable) == bool(spec.routes)
    readable.discard(origin_secret)
    assert readable <= secret_ids
    assert readable == {synth.logical_id(synth.stack.secrets.secrets[key]) for key in spec.secrets}
    actions = {
        action
        for statement in statements
        for action in as_list(statement["Action"])
        if action.startswith("secretsmanager:")
    }
    reads = spec.secrets or spec.routes
    assert actions == ({"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"} if reads else set())

    _assert_environment_names(synth, spec, declaration.SECRETS, spec.secrets, synth.stack.secrets.secrets)


def test_the_price_functions_read_the_alpaca_secret() -> None:
    """The declaration's own example: the price job and the prices API read the market-data keys."""
    readers = {spec.name for spec in declaration.ALL_FUNCTIONS if "alpaca" in spec.secrets}
    assert readers == {"price-update", "prices-api"}


# ------------------------------------------------------------------ queues


def _tls_only(synth: Synth, queue_id: str) -> bool:
    return any(
        statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for policy in synth.resources("AWS::SQS::QueuePolicy").values()
        if queue_id in refs(policy["Properties"]["Queues"])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    )


@pytest.mark.parametrize("queue", declaration.QUEUES, ids=lambda q: q.key)
def test_every_declared_queue_is_encrypted_tls_only_with_a_redrive_dead_letter_queue(
    synth: Synth, queue: declaration.Queue
) -> None:
    queue_id = synth.logical_id(synth.stack.queues.queues[queue.key])
    dlq_id = synth.logical_id(synth.stack.queues.dead_letter_queues[queue.key])
    props = synth.json["Resources"][queue_id]["Properties"]
    assert props["SqsManagedSseEnabled"] is True
    assert props["VisibilityTimeout"] == queue.visibility_timeout_seconds
    assert props["RedrivePolicy"]["maxReceiveCount"] == queue.max_receive_count
    assert only_ref(props["RedrivePolicy"]["deadLetterTargetArn"]) == dlq_id
    dlq = synth.json["Resources"][dlq_id]["Properties"]
    assert dlq["SqsManagedSseEnabled"] is True
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert "RedrivePolicy" not in dlq
    assert _tls_only(synth, queue_id)
    assert _tls_only(synth, dlq_id)


def test_no_undeclared_queue(synth: Synth) -> None:
    # Each work queue and its DLQ, plus one DLQ per job (failed schedule deliveries and async invocations).
    assert len(synth.resources("AWS::SQS::Queue")) == 2 * len(declaration.QUEUES) + len(declaration.JOBS)


def _work_queues_allowed(synth: Synth, spec: declaration.Function, action: str) -> set[str]:
    """The keys of the work queues on which the function's policy allows ``action``."""
    work_queues = {synth.logical_id(queue): key for key, queue in synth.stack.queues.queues.items()}
    return {
        work_queues[ref]
        for statement in policy_statements(synth, synth.function_id(spec.handler))
        if action in as_list(statement["Action"])
        for ref in refs(statement["Resource"])
        if ref in work_queues
    }


@pytest.mark.parametrize("spec", declaration.ALL_FUNCTIONS, ids=lambda f: f.name)
def test_each_function_may_send_only_to_its_declared_queues(synth: Synth, spec: declaration.Function) -> None:
    sends_to = _work_queues_allowed(synth, spec, "sqs:SendMessage")
    assert sends_to == set(spec.queues)
    _assert_environment_names(synth, spec, declaration.QUEUES, spec.queues, synth.stack.queues.queues)


@pytest.mark.parametrize("spec", declaration.ALL_FUNCTIONS, ids=lambda f: f.name)
def test_only_workers_consume_and_only_their_jobs_queue(synth: Synth, spec: declaration.Function) -> None:
    consumes = _work_queues_allowed(synth, spec, "sqs:ReceiveMessage")
    expected = {job.queue.key for job in declaration.JOBS if job.worker == spec and job.queue is not None}
    expected |= {consumer.queue.key for consumer in declaration.QUEUE_CONSUMERS if consumer.function == spec}
    assert consumes == expected


WORKER_JOBS = [job for job in declaration.JOBS if job.worker is not None]


@pytest.mark.parametrize("job", WORKER_JOBS, ids=declaration.job_name)
def test_the_worker_consumes_its_queue_reporting_partial_batch_failures(synth: Synth, job: declaration.Job) -> None:
    assert job.worker is not None
    assert job.queue is not None
    assert job.queue.key in job.function.queues, "the coordinator must be allowed to send the work"
    worker_id = synth.function_id(job.worker.handler)
    (mapping,) = (
        mapping["Properties"]
        for mapping in synth.resources("AWS::Lambda::EventSourceMapping").values()
        if only_ref(mapping["Properties"]["FunctionName"]) == worker_id
    )
    assert only_ref(mapping["EventSourceArn"]) == synth.logical_id(synth.stack.queues.queues[job.queue.key])
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == job.worker_batch_size
    assert 0 < mapping["MaximumBatchingWindowInSeconds"] <= 10
    assert mapping.get("Enabled", True) is True
    # As many workers at once as the declaration sizes for 1,000,000 users, and no more.
    assert mapping.get("ScalingConfig", {}).get("MaximumConcurrency") == job.max_workers
    # Messages must stay invisible for as long as the worker may take.
    assert job.queue.visibility_timeout_seconds >= job.worker.timeout_seconds

    actions = {
        action
        for statement in policy_statements(synth, worker_id)
        if synth.logical_id(synth.stack.queues.queues[job.queue.key]) in refs(statement["Resource"])
        for action in as_list(statement["Action"])
    }
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= actions
    assert "sqs:SendMessage" not in actions


def test_no_undeclared_event_source_mapping(synth: Synth) -> None:
    mappings = synth.resources("AWS::Lambda::EventSourceMapping")
    assert len(mappings) == len(WORKER_JOBS) + len(declaration.QUEUE_CONSUMERS)


def test_workers_are_deployed_but_not_scheduled(synth: Synth) -> None:
    scheduled = {
        only_ref(target["Arn"])
        for rule in synth.resources("AWS::Events::Rule").values()
        for target in rule["Properties"]["Targets"]
    }
    for job in WORKER_JOBS:
        assert job.worker is not None
        assert job.worker in declaration.ALL_FUNCTIONS
        assert synth.function_id(job.worker.handler) not in scheduled


# ------------------------------------------------------------------ jobs

SUB_MINUTE_JOBS = [job for job in declaration.JOBS if job.schedule.sub_minute]


def _rules_targeting(synth: Synth, target_id: str) -> list[dict[str, Any]]:
    return [
        rule["Properties"]
        for rule in synth.resources("AWS::Events::Rule").values()
        if any(only_ref(target["Arn"]) == target_id for target in rule["Properties"]["Targets"])
    ]


@pytest.mark.parametrize("job", declaration.JOBS, ids=declaration.job_name)
def test_every_job_is_scheduled_with_retries_and_a_dead_letter_queue(synth: Synth, job: declaration.Job) -> None:
    function_id = synth.function_id(job.function.handler)
    if job.schedule.sub_minute:
        # EventBridge starts the job's workflow, never the function itself.
        assert _rules_targeting(synth, function_id) == []
        target_id = synth.logical_id(synth.stack.jobs.state_machines[job.function.name])
    else:
        target_id = function_id
    rules = _rules_targeting(synth, target_id)
    assert len(rules) == 1, job.function.name
    rule = rules[0]
    assert rule["ScheduleExpression"] == job.schedule.expression
    assert rule["State"] == "ENABLED"
    (target,) = rule["Targets"]
    assert "Input" not in target  # the target receives the event itself, hence its `time`
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
    dlq_id = only_ref(target["DeadLetterConfig"]["Arn"])

    (invoke_config,) = (
        config["Properties"]
        for config in synth.resources("AWS::Lambda::EventInvokeConfig").values()
        if only_ref(config["Properties"]["FunctionName"]) == function_id
    )
    assert invoke_config["MaximumRetryAttempts"] == 2
    assert only_ref(invoke_config["DestinationConfig"]["OnFailure"]["Destination"]) == dlq_id

    queue = synth.json["Resources"][dlq_id]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert _tls_only(synth, dlq_id)


def test_no_undeclared_schedule(synth: Synth) -> None:
    assert len(synth.resources("AWS::Events::Rule")) == len(declaration.JOBS)


def test_only_sub_minute_jobs_use_a_state_machine(synth: Synth) -> None:
    assert SUB_MINUTE_JOBS, "no sub-minute job: the workflow tests check nothing"
    assert set(synth.stack.jobs.state_machines) == {job.function.name for job in SUB_MINUTE_JOBS}
    assert len(synth.resources("AWS::StepFunctions::StateMachine")) == len(SUB_MINUTE_JOBS)


def _placeholder(value: Any) -> str:
    """A stand-in for an intrinsic inside the definition: ``<Logical.Arn>``, ``<AWS::Partition>``."""
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return f"<{logical_id}.{attribute}>"
    if "Ref" in value:
        return f"<{value['Ref']}>"
    raise AssertionError(value)


def definition(synth: Synth, machine_id: str) -> dict[str, Any]:
    """The state machine's definition, its intrinsics replaced by ``_placeholder`` strings."""
    body = synth.json["Resources"][machine_id]["Properties"]["DefinitionString"]
    if isinstance(body, dict):
        (separator, parts) = body["Fn::Join"]
        body = separator.join(part if isinstance(part, str) else _placeholder(part) for part in parts)
    parsed: dict[str, Any] = json.loads(body)
    return parsed


@pytest.mark.parametrize("job", SUB_MINUTE_JOBS, ids=declaration.job_name)
def test_a_sub_minute_job_runs_in_an_express_workflow_started_every_minute(synth: Synth, job: declaration.Job) -> None:
    machine_id = synth.logical_id(synth.stack.jobs.state_machines[job.function.name])
    (rule,) = _rules_targeting(synth, machine_id)
    assert rule["ScheduleExpression"] == "rate(1 minute)"

    props = synth.json["Resources"][machine_id]["Properties"]
    assert props["StateMachineType"] == "EXPRESS"
    assert props["TracingConfiguration"] == {"Enabled": True}
    logging = props["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    assert logging["IncludeExecutionData"] is False
    (destination,) = logging["Destinations"]
    log_group = synth.json["Resources"][only_ref(destination["CloudWatchLogsLogGroup"]["LogGroupArn"])]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert log_group["Properties"]["LogGroupName"].startswith("/aws/vendedlogs/states/")


@pytest.mark.parametrize("job", SUB_MINUTE_JOBS, ids=declaration.job_name)
def test_the_workflow_runs_the_job_once_per_slot_and_survives_a_failed_run(synth: Synth, job: declaration.Job) -> None:
    assert job.schedule.every is not None
    every = int(job.schedule.every.total_seconds())
    function_id = synth.function_id(job.function.handler)
    machine_id = synth.logical_id(synth.stack.jobs.state_machines[job.function.name])
    states = definition(synth, machine_id)
    assert states["QueryLanguage"] == "JSONata"

    runs = states["States"][states["StartAt"]]
    assert runs["Type"] == "Map"
    assert runs["End"] is True
    assert runs["MaxConcurrency"] == 1  # one run at a time
    assert runs["Items"] == [run * every for run in range(job.schedule.runs_per_minute)]
    # Each slot is the scheduled minute (the event's `time`, else the start of the execution) plus its offset.
    slot = runs["ItemSelector"]["scheduled_time"]
    assert "$states.input.time" in slot
    assert "$states.context.Execution.StartTime" in slot
    assert "$states.context.Map.Item.Value * 1000" in slot
    assert runs["ItemSelector"]["run"] == "{% $states.context.Map.Item.Index %}"

    slot = runs["ItemProcessor"]
    assert slot["ProcessorConfig"]["Mode"] == "INLINE"
    wait = slot["States"][slot["StartAt"]]
    assert wait["Type"] == "Wait"
    assert wait["Timestamp"] == "{% $states.input.scheduled_time %}"
    processor = slot
    if job.shards > 1:  # the slot's runs: one per shard, all at once
        shards = slot["States"][wait["Next"]]
        assert shards["Type"] == "Map"
        assert (shards["Items"], shards["MaxConcurrency"]) == (list(range(job.shards)), job.shards)
        assert shards["ItemSelector"]["shard"] == "{% $states.context.Map.Item.Value %}"
        assert shards["End"] is True
        assert set(slot["States"]) == {slot["StartAt"], wait["Next"]}
        processor = shards["ItemProcessor"]
        invoke = processor["States"][processor["StartAt"]]
    else:
        invoke = processor["States"][wait["Next"]]
    assert invoke["Type"] == "Task"
    assert invoke["Resource"] == "arn:<AWS::Partition>:states:::lambda:invoke"
    assert invoke["Arguments"]["FunctionName"] == f"<{function_id}.Arn>"
    payload = invoke["Arguments"]["Payload"]
    assert payload["scheduled_time"] == "{% $states.input.scheduled_time %}"  # what the job's handler reads
    assert payload["run"] == "{% $states.input.run %}"
    assert payload["runs_per_minute"] == job.schedule.runs_per_minute
    assert payload["job"] == declaration.job_name(job)
    if job.shards > 1:
        assert (payload["shard"], payload["shards"]) == ("{% $states.input.shard %}", job.shards)
    assert "InvocationType" not in invoke["Arguments"]  # synchronous: runs never overlap within a minute
    assert invoke["End"] is True

    # A failed run is caught, kept in the output, and the next slot runs.
    (catch,) = invoke["Catch"]
    assert catch["ErrorEquals"] == ["States.ALL"]
    assert catch["Output"]["status"] == "failed"
    handler = processor["States"][catch["Next"]]
    assert handler["Type"] == "Pass"
    assert handler["End"] is True
    # Only transient Lambda faults are retried, briefly: a slot lasts `every` seconds.
    for retry in invoke.get("Retry", []):
        assert all(error.startswith("Lambda.") for error in retry["ErrorEquals"])
        assert retry["IntervalSeconds"] * retry["MaxAttempts"] * retry.get("BackoffRate", 1) < every
    assert set(processor["States"]) == {processor["StartAt"], catch["Next"]} | (
        set() if job.shards > 1 else {wait["Next"]}
    )


def test_the_price_update_runs_six_times_a_minute_ten_seconds_apart(synth: Synth) -> None:
    job = declaration.JOBS_BY_NAME["price_update"]
    assert job.schedule.sub_minute
    assert job.schedule.runs_per_minute == 6
    machine_id = synth.logical_id(synth.stack.jobs.state_machines[job.function.name])
    (rule,) = _rules_targeting(synth, machine_id)
    assert rule["ScheduleExpression"] == "rate(1 minute)"
    runs = definition(synth, machine_id)["States"]["Runs"]
    assert runs["Items"] == [0, 10, 20, 30, 40, 50]
    waits = [b - a for a, b in zip(runs["Items"], runs["Items"][1:], strict=False)]
    assert waits == [10] * 5


@pytest.mark.parametrize("job", SUB_MINUTE_JOBS, ids=declaration.job_name)
def test_the_workflow_may_invoke_only_its_function_and_only_the_rule_may_start_it(
    synth: Synth, job: declaration.Job
) -> None:
    function_id = synth.function_id(job.function.handler)
    machine_id = synth.logical_id(synth.stack.jobs.state_machines[job.function.name])
    role_id = only_ref(synth.json["Resources"][machine_id]["Properties"]["RoleArn"])
    statements = [
        statement
        for policy in synth.resources("AWS::IAM::Policy").values()
        if role_id in refs(policy["Properties"]["Roles"])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    invoke = [statement for statement in statements if "lambda:InvokeFunction" in as_list(statement["Action"])]
    (statement,) = invoke
    assert as_list(statement["Action"]) == ["lambda:InvokeFunction"]
    assert set(refs(statement["Resource"])) == {function_id}
    # Everything else is log delivery and X-Ray (which name no resource), nothing that touches data.
    others = {action for s in statements if s is not statement for action in as_list(s["Action"])}
    assert all(action.startswith(("logs:", "xray:")) for action in others), others
    assert not any(action.startswith("logs:") and "Delete" in action and "Delivery" not in action for action in others)

    (rule,) = _rules_targeting(synth, machine_id)
    (target,) = rule["Targets"]
    events_role_id = only_ref(target["RoleArn"])
    start = [
        statement
        for policy in synth.resources("AWS::IAM::Policy").values()
        if events_role_id in refs(policy["Properties"]["Roles"])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert [(statement["Action"], only_ref(statement["Resource"])) for statement in start] == [
        ("states:StartExecution", machine_id)
    ]


def test_the_price_update_is_split_over_the_active_symbols_shards() -> None:
    from goalpost.data import keys

    assert declaration.JOBS_BY_NAME["price_update"].shards == keys.SYMBOL_SHARDS
    # Each shard's symbols have their prices in their own packed items: no two shards write the same item.
    assert keys.PRICE_SHARDS % keys.SYMBOL_SHARDS == 0
    for symbol in ("AAPL", "BTCUSDT", "MSFT", "ETHUSDT", "BRK.B"):
        assert keys.shard_of(symbol, keys.PRICE_SHARDS) % keys.SYMBOL_SHARDS == keys.shard_of(
            symbol, keys.SYMBOL_SHARDS
        )
    assert all(job.shards == 1 or job.schedule.sub_minute for job in declaration.JOBS)


def test_slot_offsets_refuse_what_a_wait_state_cannot_express() -> None:
    assert slot_offsets(declaration.Schedule(every=timedelta(seconds=15))) == [0, 15, 30, 45]
    assert slot_offsets(declaration.Schedule(every=timedelta(seconds=7))) == [0, 7, 14, 21, 28, 35, 42, 49]
    with pytest.raises(ValueError, match="whole seconds"):
        slot_offsets(declaration.Schedule(every=timedelta(seconds=7.5)))
    with pytest.raises(ValueError, match="not a sub-minute"):
        slot_offsets(declaration.Schedule(every=timedelta(minutes=5)))


# ------------------------------------------------------------------ outputs and context


def test_outputs(synth: Synth) -> None:
    outputs = synth.json["Outputs"]
    assert {"ApiUrl", "UserPoolId", "UserPoolClientId"} <= set(outputs)
    for topic in declaration.TOPICS:
        assert f"{pascal(topic.key)}TopicArn" in outputs
    for secret in declaration.SECRETS:
        output = outputs[f"{pascal(secret.key)}SecretArn"]
        assert output["Value"] == {"Ref": synth.logical_id(synth.stack.secrets.secrets[secret.key])}


@pytest.mark.parametrize(
    ("value", "expected"), [(None, True), (True, True), (False, False), ("false", False), ("True", True)]
)
def test_context_flags_accept_cli_strings(value: object, expected: bool) -> None:
    app = App(context={} if value is None else {"flag": value})
    assert context_flag(app, "flag", default=True) is expected


def test_context_flag_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="flag"):
        context_flag(App(context={"flag": "maybe"}), "flag", default=True)
