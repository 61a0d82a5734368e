"""CloudWatch: the ops topic, the alarms that notify it and the operations dashboard.

Alarms: every job and worker function's errors (a sub-minute job's error rate), every sub-minute workflow's failed
executions, every function's throttles, every table's throttled requests, every dead-letter queue's depth, every
work queue's oldest message, the HTTP API's 5xx rate and p90 latency, a price update that stopped running,
positions the monitor left alone because their price is stale, connected accounts' syncs that keep meeting
provider faults, and the month's SMS spend nearing the account's limit. The ops topic gets an email subscription
when the stack's ``OpsEmail`` parameter is set. The functions, queues and workflows come from
``goalpost.declaration``; what each alarm means and what to do about it is in docs/operations.md."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from aws_cdk import ArnFormat, CfnCondition, CfnParameter, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import acknowledge, pascal, rotated_key

RUNBOOK = "docs/operations.md"
PERIOD = Duration.minutes(5)
# The 5xx rate only counts once a period has this many requests: one failure in two requests is not an outage.
API_MIN_REQUESTS = 20
API_MAX_5XX_PERCENT = 1
# Two of the last three 5-minute periods: a sustained failure pages, one unlucky request does not.
API_DATAPOINTS_TO_ALARM, API_EVALUATION_PERIODS = 2, 3
# A cached price is fresh for 5 minutes (goalpost.domain.portfolio.FRESH_FOR). The position monitor's full pass
# runs every 3 minutes; two 5-minute periods in a row with skipped positions means prices stayed stale.
STALE_PRICE_PERIODS = 2
# Connected accounts whose provider faulted or refused the keys in a sync (the worker counts each account once a
# run): a few are one provider's passing trouble or one user's revoked key; this many in each of two 5-minute
# periods in a row is an outage at a provider, or a change in its API, that keeps every account's positions stale.
ACCOUNT_SYNC_FAULTS = 5
ACCOUNT_SYNC_FAULT_PERIODS = 2
# A sub-minute job runs ~48 invocations a minute (6 slots x 8 shards): one error among them is a provider's
# passing fault that the next slot repairs, so it alarms on its error rate, more than 5 % of the invocations in
# 2 of the last 3 periods, and only once a period has this many invocations.
SUB_MINUTE_MAX_ERROR_PERCENT = 5
SUB_MINUTE_MIN_INVOCATIONS = 20
SUB_MINUTE_DATAPOINTS_TO_ALARM, SUB_MINUTE_EVALUATION_PERIODS = 2, 3
# Throttled invocations are retried (SDK, Step Functions, SQS, asynchronous invocation) and a few pass; this
# many in a period means a function keeps hitting its reserved concurrency or the account's limit.
LAMBDA_THROTTLES = 5
# On-demand tables throttle a request past twice their previous peak or a hot partition's limit; the SDK retries
# a few. This many read and write throttle events in a period is a table that keeps refusing work.
DYNAMODB_THROTTLE_EVENTS = 10
# p90 of the API's latency (API Gateway's Latency: the whole request) above this in 2 of the last 3 periods.
# The benchmark's goal is a p95 under 250 ms (docs/performance.md); 1 s at p90 is users waiting, not noise.
API_P90_LATENCY_MS = 1000
API_LATENCY_DATAPOINTS_TO_ALARM, API_LATENCY_EVALUATION_PERIODS = 2, 3
# The job that keeps the price cache fresh (a KeyError here if the declaration renames it).
PRICE_UPDATE = declaration.JOBS_BY_NAME["price_update"]


def job_functions() -> tuple[declaration.Function, ...]:
    """The functions whose failure is a job's failure: every scheduled function and every queue's worker (the jobs'
    workers and the SMS sender)."""
    return tuple(job.function for job in declaration.JOBS) + declaration.QUEUE_WORKERS


def metric_prefix(function_name: str) -> str:
    """``end-of-day-goals`` -> ``EndOfDayGoals``, as ``goalpost.edges.jobs`` names its per-job metrics."""
    return "".join(part.capitalize() for part in function_name.split("-"))


@dataclass(frozen=True)
class MetricGroup:
    """One dashboard graph of the application's own EMF metrics (namespace and service dimension of the
    declaration); ``right`` holds the small counts (failures) that the left axis's scale would flatten."""

    title: str
    left: tuple[str, ...]
    right: tuple[str, ...] = ()


# What the code emits with metrics.add_metric (tests/infra/test_monitoring.py checks each name is emitted).
APPLICATION_METRICS: tuple[MetricGroup, ...] = (
    MetricGroup(
        "Prices and market data",
        ("PricesUpdated", "MarketQuotes", "MarketRequests"),
        ("PriceProviderErrors", "PriceStoreFailures", "MarketErrors", "MarketRejectedPrices"),
    ),
    MetricGroup(
        "Positions",
        ("PositionsOpened", "PositionsClosed", "PositionsAutoClosed", "SymbolsWithStalePrice"),
        ("MonitorSymbols", "PositionsReached"),
    ),
    MetricGroup(
        "Alerts",
        ("AlertsPublished", "AlertsEmailSent", "AlertsSmsQueued", "AlertsSmsSent", "AlertDeliveriesDeferred"),
        ("AlertPublishFailures",),
    ),
    MetricGroup(
        "Snapshots and end of day",
        ("SnapshotUsersQueued", "SnapshotsWritten", "SnapshotsMarketsClosed", "GoalsEvaluated"),
    ),
    MetricGroup(
        "Connected accounts",
        (
            "AccountsSynced",
            "FillsApplied",
            "AccountsConnected",
            "AccountsDisconnected",
            "PositionsUnlinked",
            "AccountsDeferred",
        ),
        ("AccountSyncFaults", "AccountSyncRefused", "AccountSyncErrors"),
    ),
    MetricGroup(
        "API requests (application)",
        ("GoalsCreated", "GoalsDeleted", "GoalChildrenDeleted", "FundingLinked", "BudgetSyncEntries"),
        ("UnhandledErrors", "BodiesTooLarge", "BodiesNotUtf8"),
    ),
    MetricGroup(
        "Job runs and worker failures",
        tuple(f"{metric_prefix(job.function.name)}Runs" for job in declaration.JOBS),
        tuple(f"{metric_prefix(worker.name)}BatchFailures" for worker in declaration.QUEUE_WORKERS),
    ),
)


def application_metric(name: str, statistic: str = "Sum") -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=declaration.METRICS_NAMESPACE,
        metric_name=name,
        # Powertools Metrics adds the service as the one default dimension.
        dimensions_map={"service": declaration.SERVICE_NAME},
        statistic=statistic,
        period=PERIOD,
    )


def math_expression(expression: str, label: str, **metrics: cloudwatch.IMetric) -> cloudwatch.MathExpression:
    """``expression`` over ``metrics``, each named as the expression names it, per alarm period."""
    return cloudwatch.MathExpression(expression=expression, using_metrics=metrics, label=label, period=PERIOD)


class Monitoring(Construct):
    """The ops topic (``topic``), every alarm (``alarms``, each notifying the topic on ALARM and on OK) and the
    dashboard. The mappings are keyed as the other constructs key them: functions and workflows by declared
    function name, work queues and their dead-letter queues by queue key, job dead-letter queues by job name."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        http_api: apigwv2.IHttpApi,
        work_queues: Mapping[str, sqs.IQueue],
        work_dead_letter_queues: Mapping[str, sqs.IQueue],
        job_dead_letter_queues: Mapping[str, sqs.IQueue],
        state_machines: Mapping[str, sfn.IStateMachine],
        tables: Mapping[str, dynamodb.ITableV2],
        ops_email: CfnParameter,
        sms_spend_alarm_usd: Decimal,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        # Every alarm name starts with the stack name: the topic lets only those alarms publish.
        self.alarm_name_prefix = f"{stack.stack_name}-"
        self.key, self.topic = self._ops_topic()
        self.email_subscription = self._email_subscription(ops_email)
        self._action = cloudwatch_actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []

        sub_minute = {job.function.name: job for job in declaration.JOBS if job.schedule.sub_minute}
        self.function_error_alarms = {
            spec.name: self._job_errors(spec, functions[spec.name])
            for spec in job_functions()
            if spec.name not in sub_minute
        }
        self.error_rate_alarms = {name: self._error_rate(job, functions[name]) for name, job in sub_minute.items()}
        self.throttle_alarms = {name: self._throttles(name, function) for name, function in functions.items()}
        self.table_throttle_alarms = {key: self._table_throttles(key, table) for key, table in tables.items()}
        self.queue_age_alarms = {
            queue.key: self._oldest_message(queue, work_queues[queue.key]) for queue in declaration.QUEUES
        }
        self.workflow_alarms = {
            job.function.name: self._workflow_failures(job, state_machines[job.function.name])
            for job in declaration.JOBS
            if job.schedule.sub_minute
        }
        dead_letter_queues = {
            **{f"{queue.key}-queue": work_dead_letter_queues[queue.key] for queue in declaration.QUEUES},
            **{f"{job.function.name}-job": job_dead_letter_queues[job.function.name] for job in declaration.JOBS},
        }
        self.dead_letter_alarms = {name: self._dead_letters(name, queue) for name, queue in dead_letter_queues.items()}
        self.api_5xx_alarm = self._api_5xx_rate(http_api)
        self.api_latency_alarm = self._api_latency(http_api)
        self.price_update_stopped_alarm = self._price_update_stopped()
        self.stale_price_alarm = self._positions_on_stale_prices()
        self.account_sync_faults_alarm = self._account_sync_faults()
        self.sms_spend_alarm = self._sms_spend(sms_spend_alarm_usd)

        self.dashboard = self._dashboard(
            functions=functions,
            http_api=http_api,
            work_queues={queue.key: work_queues[queue.key] for queue in declaration.QUEUES},
            dead_letter_queues=dead_letter_queues,
            state_machines={name: state_machines[name] for name in self.workflow_alarms},
        )

    # ---------------------------------------------------------------- the topic

    def _ops_topic(self) -> tuple[kms.Key, sns.Topic]:
        # Its own key: CloudWatch must be allowed to use the key of an encrypted topic, and that grant has no
        # business on the key of the users' alert topics. Nothing outlives the stack encrypted under it.
        key = rotated_key(
            self,
            "OpsTopicKey",
            description="Encrypts the Goalpost operations topic (CloudWatch alarm notifications)",
            removal_policy=RemovalPolicy.DESTROY,
        )
        # CloudWatch cannot publish to a KMS-encrypted topic without these; in a key policy "*" is this key. Who
        # may publish at all is decided by the topic policy below.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsEncryptNotifications",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        topic = sns.Topic(self, "OpsTopic", display_name="Goalpost operations", master_key=key, enforce_ssl=True)
        # The TLS-only topic policy replaces SNS's default one, so CloudWatch needs an explicit grant; the
        # source ARN limits it to this stack's alarms (no confused deputy).
        stack = Stack.of(self)
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ThisStacksAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="cloudwatch",
                            resource="alarm",
                            resource_name=f"{self.alarm_name_prefix}*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )
        return key, topic

    def _email_subscription(self, ops_email: CfnParameter) -> sns.CfnSubscription:
        # Only when an address is given: an empty parameter (the default) creates no subscription at all.
        condition = CfnCondition(
            self, "OpsEmailGiven", expression=Fn.condition_not(Fn.condition_equals(ops_email.value_as_string, ""))
        )
        subscription = sns.CfnSubscription(
            self,
            "OpsEmailSubscription",
            topic_arn=self.topic.topic_arn,
            protocol="email",
            endpoint=ops_email.value_as_string,
        )
        subscription.cfn_options.condition = condition
        acknowledge(
            subscription,
            "Serverless-SNSRedrivePolicy",
            "The ops email subscription carries alarm notifications, not work: a notification SNS cannot deliver "
            "(a bouncing or unconfirmed address) leaves the alarm's state and history in CloudWatch and on the "
            "dashboard, and a dead-letter queue would only keep copies of it where nobody watches.",
        )
        return subscription

    # ---------------------------------------------------------------- alarms

    def _alarm(
        self,
        name: str,
        *,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        runbook_section: str,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
        missing_data: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            f"{pascal(name)}Alarm",
            alarm_name=f"{self.alarm_name_prefix}{name}",
            alarm_description=f"{description} Runbook: {RUNBOOK}, section '{runbook_section}'.",
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=missing_data,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)  # so that whoever was paged also learns that it is over
        self.alarms.append(alarm)
        return alarm

    def _job_errors(self, spec: declaration.Function, function: lambda_.IFunction) -> cloudwatch.Alarm:
        # The jobs catch what they expect (provider faults, a failed record): an invocation error is a bug, a
        # timeout or an AWS fault. No invocation, no datapoint: missing data is not an error.
        return self._alarm(
            f"{spec.name}-errors",
            metric=function.metric_errors(period=PERIOD, statistic="Sum"),
            threshold=1,
            description=f"The {spec.name} function failed (error or timeout) at least once in 5 minutes.",
            runbook_section="Job failed",
        )

    def _error_rate(self, job: declaration.Job, function: lambda_.IFunction) -> cloudwatch.Alarm:
        rate = math_expression(
            f"IF(invocations >= {SUB_MINUTE_MIN_INVOCATIONS}, 100 * FILL(errors, 0) / invocations, 0)",
            "Errors (% of invocations)",
            errors=function.metric_errors(period=PERIOD, statistic="Sum"),
            invocations=function.metric_invocations(period=PERIOD, statistic="Sum"),
        )
        return self._alarm(
            f"{job.function.name}-error-rate",
            metric=rate,
            threshold=SUB_MINUTE_MAX_ERROR_PERCENT,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=SUB_MINUTE_EVALUATION_PERIODS,
            datapoints_to_alarm=SUB_MINUTE_DATAPOINTS_TO_ALARM,
            description=f"More than {SUB_MINUTE_MAX_ERROR_PERCENT}% of the {job.function.name} function's "
            f"invocations failed (error or timeout) in {SUB_MINUTE_DATAPOINTS_TO_ALARM} of the last "
            f"{SUB_MINUTE_EVALUATION_PERIODS} 5-minute periods.",
            runbook_section="Job error rate",
        )

    def _throttles(self, name: str, function: lambda_.IFunction) -> cloudwatch.Alarm:
        return self._alarm(
            f"{name}-throttles",
            metric=function.metric_throttles(period=PERIOD, statistic="Sum"),
            threshold=LAMBDA_THROTTLES,
            description=f"At least {LAMBDA_THROTTLES} invocations of the {name} function were throttled in 5 "
            "minutes: it reached its reserved concurrency or the account's concurrency limit.",
            runbook_section="Lambda throttles",
        )

    def _table_throttles(self, key: str, table: dynamodb.ITableV2) -> cloudwatch.Alarm:
        dimensions = {"TableName": table.table_name}
        events = math_expression(
            "FILL(reads, 0) + FILL(writes, 0)",
            "Read and write throttle events",
            reads=cloudwatch.Metric(
                namespace="AWS/DynamoDB", metric_name="ReadThrottleEvents", dimensions_map=dimensions, statistic="Sum"
            ),
            writes=cloudwatch.Metric(
                namespace="AWS/DynamoDB", metric_name="WriteThrottleEvents", dimensions_map=dimensions, statistic="Sum"
            ),
        )
        return self._alarm(
            f"{key}-table-throttles",
            metric=events,
            threshold=DYNAMODB_THROTTLE_EVENTS,
            description=f"DynamoDB throttled at least {DYNAMODB_THROTTLE_EVENTS} reads and writes of the {key} "
            "table in 5 minutes.",
            runbook_section="DynamoDB throttles",
        )

    def _oldest_message(self, queue: declaration.Queue, work_queue: sqs.IQueue) -> cloudwatch.Alarm:
        # A message is normally taken within seconds; one older than the visibility timeout (six times the
        # worker's timeout) was received and not deleted, or nobody is receiving: the work is falling behind.
        threshold = queue.visibility_timeout_seconds
        return self._alarm(
            f"{queue.key}-queue-oldest-message",
            metric=work_queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum"),
            threshold=threshold,
            description=f"The oldest message in the {queue.key} work queue has waited {threshold} s or more "
            "(the queue's visibility timeout): its worker is not keeping up.",
            runbook_section="Work queue falling behind",
        )

    def _workflow_failures(self, job: declaration.Job, machine: sfn.IStateMachine) -> cloudwatch.Alarm:
        # A failed run is caught inside the workflow (the function's errors alarm reports it), so a failed or
        # timed-out execution means the workflow itself broke and a whole minute of runs was lost.
        failures = math_expression(
            "FILL(failed, 0) + FILL(timedout, 0)",
            "Failed and timed-out executions",
            failed=machine.metric_failed(period=PERIOD, statistic="Sum"),
            timedout=machine.metric_timed_out(period=PERIOD, statistic="Sum"),
        )
        return self._alarm(
            f"{job.function.name}-workflow-failures",
            metric=failures,
            threshold=1,
            description=f"The Express workflow that runs {job.function.name} {job.schedule.runs_per_minute} times "
            "a minute failed or timed out: that minute's remaining runs did not happen.",
            runbook_section="Workflow failed",
        )

    def _dead_letters(self, name: str, queue: sqs.IQueue) -> cloudwatch.Alarm:
        # An empty dead-letter queue that nobody touches goes inactive and reports nothing: missing is empty.
        return self._alarm(
            f"{name}-dead-letters",
            metric=queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            threshold=1,
            description=f"The {name} dead-letter queue holds work that failed for good.",
            runbook_section="Dead letters",
        )

    def _api_5xx_rate(self, http_api: apigwv2.IHttpApi) -> cloudwatch.Alarm:
        rate = math_expression(
            f"IF(requests >= {API_MIN_REQUESTS}, 100 * FILL(errors, 0) / requests, 0)",
            "5xx responses (% of requests)",
            errors=http_api.metric_server_error(period=PERIOD, statistic="Sum"),
            requests=http_api.metric_count(period=PERIOD, statistic="Sum"),
        )
        return self._alarm(
            "api-5xx-rate",
            metric=rate,
            threshold=API_MAX_5XX_PERCENT,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=API_EVALUATION_PERIODS,
            datapoints_to_alarm=API_DATAPOINTS_TO_ALARM,
            description=f"More than {API_MAX_5XX_PERCENT}% of the API's responses were 5xx in "
            f"{API_DATAPOINTS_TO_ALARM} of the last {API_EVALUATION_PERIODS} 5-minute periods "
            f"(periods with fewer than {API_MIN_REQUESTS} requests count as healthy).",
            runbook_section="API 5xx rate",
        )

    def _api_latency(self, http_api: apigwv2.IHttpApi) -> cloudwatch.Alarm:
        return self._alarm(
            "api-latency-p90",
            metric=http_api.metric_latency(period=PERIOD, statistic="p90"),
            threshold=API_P90_LATENCY_MS,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=API_LATENCY_EVALUATION_PERIODS,
            datapoints_to_alarm=API_LATENCY_DATAPOINTS_TO_ALARM,
            description=f"The API's p90 latency was above {API_P90_LATENCY_MS} ms in "
            f"{API_LATENCY_DATAPOINTS_TO_ALARM} of the last {API_LATENCY_EVALUATION_PERIODS} 5-minute periods.",
            runbook_section="API latency",
        )

    def _price_update_stopped(self) -> cloudwatch.Alarm:
        # The price update runs many times a minute and counts every run it finishes, so here (unlike the
        # sparse error metrics) no data is the failure: throttled, not started, or failing before it counts.
        name = PRICE_UPDATE.function.name
        return self._alarm(
            f"{name}-not-running",
            metric=application_metric(f"{metric_prefix(name)}Runs"),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing_data=cloudwatch.TreatMissingData.BREACHING,
            description=f"The {name} job finished no run in 5 minutes: every cached price is going stale.",
            runbook_section="Prices not refreshed",
        )

    def _positions_on_stale_prices(self) -> cloudwatch.Alarm:
        # Maximum, not Sum: the monitor's full pass every 3 minutes reports the count of active symbols (those
        # with open positions) whose price is stale, the passes after each price update (changed symbols only, so
        # fresh prices) report 0. Emitted on every run: missing data means the monitor did not run, which its own
        # alarms report.
        return self._alarm(
            "positions-on-stale-prices",
            metric=application_metric("SymbolsWithStalePrice", statistic="Maximum"),
            threshold=1,
            evaluation_periods=STALE_PRICE_PERIODS,
            description="The position monitor left open positions alone because their symbol's price is older than "
            f"5 minutes, in {STALE_PRICE_PERIODS} 5-minute periods in a row: their stops and targets are not "
            "being checked.",
            runbook_section="Positions on stale prices",
        )

    def _account_sync_faults(self) -> cloudwatch.Alarm:
        # Sparse: only a sync that met a fault emits it, so no data is no fault.
        return self._alarm(
            "account-sync-faults",
            metric=application_metric("AccountSyncFaults"),
            threshold=ACCOUNT_SYNC_FAULTS,
            evaluation_periods=ACCOUNT_SYNC_FAULT_PERIODS,
            description=f"At least {ACCOUNT_SYNC_FAULTS} connected accounts' syncs met a provider fault or refused "
            f"keys in each of {ACCOUNT_SYNC_FAULT_PERIODS} 5-minute periods in a row: those accounts' positions, "
            "closes and cash are not being kept in step.",
            runbook_section="Account sync faults",
        )

    def _sms_spend(self, threshold_usd: Decimal) -> cloudwatch.Alarm:
        # SNS reports the account's SMS spend this month (per region, no dimension) only while SMS go out: a quiet
        # hour keeps the alarm where it was. Past the limit SNS stops sending SMS until the month ends.
        return self._alarm(
            "sms-spend",
            metric=cloudwatch.Metric(
                namespace="AWS/SNS", metric_name="SMSMonthToDateSpentUSD", statistic="Maximum", period=Duration.hours(1)
            ),
            threshold=float(threshold_usd),
            missing_data=cloudwatch.TreatMissingData.IGNORE,
            description=f"This month's SMS spend reached {threshold_usd} USD, 80% of the account's monthly SMS "
            "spend limit: at the limit SNS stops sending SMS for the rest of the month.",
            runbook_section="SMS spend",
        )

    # ---------------------------------------------------------------- dashboard

    def _dashboard(
        self,
        *,
        functions: Mapping[str, lambda_.IFunction],
        http_api: apigwv2.IHttpApi,
        work_queues: Mapping[str, sqs.IQueue],
        dead_letter_queues: Mapping[str, sqs.IQueue],
        state_machines: Mapping[str, sfn.IStateMachine],
    ) -> cloudwatch.Dashboard:
        stack = Stack.of(self)
        dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            # Dashboard names are global to the account, hence the region.
            dashboard_name=f"{stack.stack_name}-operations-{stack.region}",
            default_interval=Duration.hours(12),
        )
        dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=f"# {stack.stack_name} operations\n\nEvery alarm notifies the ops topic (stack output "
                f"`OpsTopicArn`) on ALARM and on OK. What each alarm means and what to do: `{RUNBOOK}`.\n\n"
                "Rows: API, then each job and worker, the workflows, the queues, stale prices, and the "
                "application's own metrics (sums over 5 minutes).",
                width=8,
                height=6,
            ),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=16, height=6),
        )
        dashboard.add_widgets(*self._api_widgets(http_api))
        for spec in job_functions():
            dashboard.add_widgets(*self._function_widgets(spec, functions[spec.name]))
        dashboard.add_widgets(
            *(self._workflow_widget(name, machine) for name, machine in state_machines.items()),
            cloudwatch.GraphWidget(
                title="Dead-letter queues: messages",
                left=[
                    queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum", label=name)
                    for name, queue in dead_letter_queues.items()
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Work queues: messages (left), age of the oldest in seconds (right)",
                left=[
                    queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum", label=key)
                    for key, queue in work_queues.items()
                ],
                right=[
                    queue.metric_approximate_age_of_oldest_message(
                        period=PERIOD, statistic="Maximum", label=f"{key} oldest"
                    )
                    for key, queue in work_queues.items()
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.AlarmWidget(title="Positions on stale prices", alarm=self.stale_price_alarm, width=12),
            cloudwatch.AlarmWidget(
                title=f"{PRICE_UPDATE.function.name} runs", alarm=self.price_update_stopped_alarm, width=12
            ),
        )
        dashboard.add_widgets(*(self._application_widget(group) for group in APPLICATION_METRICS))
        return dashboard

    def _api_widgets(self, http_api: apigwv2.IHttpApi) -> Sequence[cloudwatch.IWidget]:
        return [
            cloudwatch.GraphWidget(
                title="API requests",
                left=[http_api.metric_count(period=PERIOD, statistic="Sum", label="Requests")],
                width=6,
            ),
            cloudwatch.GraphWidget(
                title="API 4xx and 5xx",
                left=[
                    http_api.metric_client_error(period=PERIOD, statistic="Sum", label="4xx"),
                    http_api.metric_server_error(period=PERIOD, statistic="Sum", label="5xx"),
                ],
                width=6,
            ),
            cloudwatch.AlarmWidget(title="API 5xx rate (%)", alarm=self.api_5xx_alarm, width=6),
            cloudwatch.GraphWidget(
                title="API latency (ms)",
                left=[
                    http_api.metric_latency(period=PERIOD, statistic=statistic, label=f"Latency {statistic}")
                    for statistic in ("p50", "p90", "p99")
                ],
                width=6,
            ),
        ]

    @staticmethod
    def _function_widgets(spec: declaration.Function, function: lambda_.IFunction) -> Sequence[cloudwatch.IWidget]:
        return [
            cloudwatch.GraphWidget(
                title=f"{spec.name}: duration (ms)",
                left=[
                    function.metric_duration(period=PERIOD, statistic=statistic, label=statistic)
                    for statistic in ("Average", "p99", "Maximum")
                ],
                left_annotations=[cloudwatch.HorizontalAnnotation(value=spec.timeout_seconds * 1000, label="Timeout")],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title=f"{spec.name}: invocations (left), errors and throttles (right)",
                left=[function.metric_invocations(period=PERIOD, statistic="Sum", label="Invocations")],
                right=[
                    function.metric_errors(period=PERIOD, statistic="Sum", label="Errors"),
                    function.metric_throttles(period=PERIOD, statistic="Sum", label="Throttles"),
                ],
                width=12,
            ),
        ]

    @staticmethod
    def _workflow_widget(name: str, machine: sfn.IStateMachine) -> cloudwatch.IWidget:
        return cloudwatch.GraphWidget(
            title=f"{name} workflow: executions",
            left=[
                machine.metric_started(period=PERIOD, statistic="Sum", label="Started"),
                machine.metric_succeeded(period=PERIOD, statistic="Sum", label="Succeeded"),
            ],
            right=[
                machine.metric_failed(period=PERIOD, statistic="Sum", label="Failed"),
                machine.metric_timed_out(period=PERIOD, statistic="Sum", label="Timed out"),
                machine.metric_throttled(period=PERIOD, statistic="Sum", label="Throttled"),
            ],
            width=12,
        )

    @staticmethod
    def _application_widget(group: MetricGroup) -> cloudwatch.IWidget:
        return cloudwatch.GraphWidget(
            title=group.title,
            left=[application_metric(name) for name in group.left],
            right=[application_metric(name) for name in group.right],
            width=8,
        )
