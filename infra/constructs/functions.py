"""Lambda: one function per declared function (API and jobs), one shared code asset, least privilege."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import (
    LATEST_PYTHON_RUNTIME,
    LOG_RETENTION,
    REPO_ROOT,
    acknowledge,
    lambda_architecture,
    lambda_runtime,
    logical_id,
    pascal,
)
from infra.constructs.account_keys import AccountKeys
from infra.constructs.bundling import compiled_asset
from infra.constructs.sms import SmsContext

# The asset is the repo root minus everything but functions/, so that its root holds the folder functions/
# and the declared handlers (functions.api.goals.handler) import as they do locally. GLOB patterns apply in
# order; `*` does not match dotfiles, hence `.*`; excluded folders (.venv, cdk.out, ...) are never walked.
FUNCTIONS_ASSET_EXCLUDE = ["*", ".*", "!functions", "!functions/**", "**/__pycache__", "**/*.pyc"]


def functions_code() -> lambda_.Code:
    """``functions/`` with its bytecode compiled in (infra.constructs.bundling)."""
    return compiled_asset(REPO_ROOT, ["functions"], exclude=FUNCTIONS_ASSET_EXCLUDE, glob=True)


class Functions(Construct):
    """Every function in ``declaration.ALL_FUNCTIONS`` (API functions, jobs and job workers), keyed by the
    declared name (``goals-api``), with the tables, topics, queues and secrets it lists and nothing else."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: Mapping[str, dynamodb.TableV2],
        topics: Mapping[str, sns.Topic],
        queues: Mapping[str, sqs.Queue],
        secrets: Mapping[str, secretsmanager.Secret],
        origin_secret: secretsmanager.ISecret,
        account_keys: AccountKeys,
        layers: Sequence[lambda_.ILayerVersion],
        sms: SmsContext,
    ) -> None:
        super().__init__(scope, construct_id)
        self._tables = tables
        self._topics = topics
        self._queues = queues
        self._secrets = secrets
        self._origin_secret = origin_secret
        self._account_keys = account_keys
        self._sms = sms
        # The users' own topics are encrypted with the alerts topic's key (infra.constructs.alerts).
        topics_key = topics[declaration.ALERTS_TOPIC.key].master_key
        assert topics_key is not None, "the alerts topic is encrypted with a customer-managed key"
        self._topics_key = topics_key
        self._layers = list(layers)
        self._code = functions_code()  # one asset, uploaded once, shared by every function
        self.by_name: dict[str, lambda_.Function] = {
            function.name: self._function(function) for function in declaration.ALL_FUNCTIONS
        }

    def _function(self, spec: declaration.Function) -> lambda_.Function:
        construct_id = pascal(spec.name)
        log_group = logs.LogGroup(self, f"{construct_id}Logs", retention=LOG_RETENTION)
        # Our own role instead of the default one: AWSLambdaBasicExecutionRole would allow writing to any log
        # group in the account; this role may write to its function's log group only.
        role = iam.Role(
            self,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Goalpost {spec.name}",
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            construct_id,
            description=spec.description,
            runtime=lambda_runtime(),
            architecture=lambda_architecture(),
            handler=spec.handler,
            code=self._code,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            layers=self._layers,
            environment=self._environment(spec),
            role=role,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            # X-Ray on every function (cheap, shows the API -> Lambda -> DynamoDB path); no function uses the
            # Powertools Tracer, whose subsegments cost cold start (declaration.function_environment).
            tracing=lambda_.Tracing.ACTIVE,
        )
        self._grant(spec, function, role)
        if spec.routes:
            self._origin_secret.grant_read(function)  # to check CloudFront's origin header (goalpost.edges.api)
        if declaration.LAMBDA_RUNTIME != LATEST_PYTHON_RUNTIME:
            reason = (
                f"The runtime is pinned to {declaration.LAMBDA_RUNTIME} (goalpost.declaration), a supported runtime "
                "with an arm64 Powertools layer; moving to the newest is a deliberate change of that constant."
            )
            for rule in ("AwsSolutions-L1", "Serverless-LambdaLatestVersion"):
                acknowledge(function, rule, reason)
        return function

    def _environment(self, spec: declaration.Function) -> dict[str, str]:
        table_names = {declaration.TABLES_BY_KEY[key].env: self._tables[key].table_name for key in spec.tables}
        topic_arns = {declaration.TOPICS_BY_KEY[key].env: self._topics[key].topic_arn for key in spec.topics}
        queue_urls = {declaration.QUEUES_BY_KEY[key].env: self._queues[key].queue_url for key in spec.queues}
        secret_arns = {declaration.SECRETS_BY_KEY[key].env: self._secrets[key].secret_arn for key in spec.secrets}
        # Only a function that may use the accounts' key is told which key that is.
        account_key = (
            {declaration.ACCOUNTS_KEY_ENV: self._account_keys.key.key_arn} if spec.account_keys != "none" else {}
        )
        # Only the function that creates the users' topics is told the key they are encrypted with.
        topics_key = {declaration.TOPICS_KEY_ENV: self._topics_key.key_arn} if spec.manages_user_topics else {}
        # Only the SMS sender is told the deployment's sender ID and maximum price.
        sms_settings = self._sms.sender_environment() if spec.sends_sms else {}
        # Every API function refuses a request that did not come through CloudFront (goalpost.edges.api).
        origin_secret = {declaration.ORIGIN_SECRET_ENV: self._origin_secret.secret_arn} if spec.routes else {}
        return {
            **table_names,
            **topic_arns,
            **queue_urls,
            **secret_arns,
            **account_key,
            **topics_key,
            **sms_settings,
            **origin_secret,
            **declaration.function_environment(spec),
        }

    def _grant(self, spec: declaration.Function, function: lambda_.Function, role: iam.Role) -> None:
        """Exactly the access the declaration lists, then acknowledge exactly the wildcards that implies."""
        for key, actions in spec.tables.items():
            # The table and its indexes, with exactly the declared actions (no Scan, and DeleteItem or
            # BatchWriteItem only where the function's code issues them).
            self._tables[key].grant(function, *(f"dynamodb:{action}" for action in actions))
        for key in spec.topics:
            self._topics[key].grant_publish(function)  # includes kms:GenerateDataKey*/Decrypt on the topic key
        for key in spec.queues:
            self._queues[key].grant_send_messages(function)  # SQS-managed SSE: no kms:* needed
        for key in spec.secrets:
            self._secrets[key].grant_read(function)  # GetSecretValue/DescribeSecret on this secret only
        self._account_keys.grant(spec, role)  # kms:Encrypt/Decrypt on the accounts' key, as declared

        self._grant_sns(spec, role)

        # The grants above all land in the role's default policy; the wildcards they imply are known.
        policy = role.node.find_child("DefaultPolicy")
        acknowledge(
            policy,
            "AwsSolutions-IAM5",
            "Active tracing: X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions, "
            "so Resource * is the only possible value"
            + ("; likewise sns:Publish to a phone number (SMS), which has no ARN." if spec.sends_sms else "."),
            applies_to=["Resource::*"],
        )
        if spec.manages_user_topics or spec.user_notifications:
            does = "manage" if spec.manages_user_topics else "publish email and webhook alerts to"
            acknowledge(
                policy,
                "AwsSolutions-IAM5",
                "Each user's own email topic is created at runtime when they set an email address; the function "
                f"may {does} topics named {declaration.USER_TOPIC_PREFIX}* only.",
                applies_to=[
                    f"Resource::arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:{declaration.USER_TOPIC_PREFIX}*"
                ],
            )
        if spec.tables:
            acknowledge(
                policy,
                "AwsSolutions-IAM5",
                "The CDK's DynamoDB grant adds <table-arn>/index/* (the table's GSIs, which the handlers query) "
                "for each table; only the tables the declaration lists for this function are named.",
                applies_to=[f"Resource::<{logical_id(self._tables[key])}.Arn>/index/*" for key in spec.tables],
            )
        if spec.topics:
            acknowledge(
                policy,
                "AwsSolutions-IAM5",
                "Publishing to a KMS-encrypted SNS topic needs kms:GenerateDataKey* (GenerateDataKey and "
                "GenerateDataKeyWithoutPlaintext); the statement is limited to the topic key's ARN.",
                applies_to=["Action::kms:GenerateDataKey*"],
            )

    def _grant_sns(self, spec: declaration.Function, role: iam.Role) -> None:
        """SMS to any phone number (the SMS sender only), email and webhooks to the users' own topics (the alert
        raisers), and the management of those topics (the alerts API)."""
        # The users' own alerts topics (email and webhook subscriptions, each filtered to its channel), created at
        # runtime, share a name prefix.
        stack = Stack.of(self)
        user_topics = f"arn:{stack.partition}:sns:{stack.region}:{stack.account}:{declaration.USER_TOPIC_PREFIX}*"
        if spec.sends_sms:
            # SMS goes straight to phone numbers, which have no ARN: sns:Publish needs Resource *. The SMS sender
            # alone has it; the alert raisers queue their SMS to it (declaration.SMS_QUEUE).
            role.add_to_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=["*"]))
        if spec.user_notifications:
            # Email and webhooks go to the users' own topics, encrypted with the topics' key.
            role.add_to_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[user_topics]))
            self._topics_key.grant(role, "kms:GenerateDataKey", "kms:Decrypt")
        if spec.manages_user_topics:
            # Each is made TLS-only once created (SetTopicAttributes).
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=[
                        "sns:CreateTopic",
                        "sns:SetTopicAttributes",
                        "sns:Subscribe",
                        "sns:Unsubscribe",
                        "sns:SetSubscriptionAttributes",
                    ],
                    resources=[user_topics],
                )
            )
