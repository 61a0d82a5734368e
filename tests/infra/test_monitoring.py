"""Operability (infra/constructs/monitoring.py): an alarm per job and worker function, per workflow and per
dead-letter queue, the API's 5xx rate and stale prices, all notifying the ops topic; and the dashboard."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from goalpost import declaration
from goalpost.domain.preferences import EMAIL_CHANNEL, SMS_CHANNEL
from goalpost.edges.jobs import _metric_name
from infra.constructs.monitoring import (
    API_DATAPOINTS_TO_ALARM,
    API_EVALUATION_PERIODS,
    API_MAX_5XX_PERCENT,
    API_MIN_REQUESTS,
    API_P90_LATENCY_MS,
    APPLICATION_METRICS,
    DYNAMODB_THROTTLE_EVENTS,
    LAMBDA_THROTTLES,
    PRICE_UPDATE,
    STALE_PRICE_PERIODS,
    SUB_MINUTE_MAX_ERROR_PERCENT,
    SUB_MINUTE_MIN_INVOCATIONS,
    job_functions,
)

if TYPE_CHECKING:
    from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "goalpost" / "python" / "goalpost"
RUNBOOK = ROOT / "docs" / "operations.md"
APPLICATION_DIMENSIONS = [{"Name": "service", "Value": declaration.SERVICE_NAME}]


def alarms(synth: Synth) -> dict[str, dict[str, Any]]:
    """Alarm name -> the alarm's properties."""
    found = {
        alarm["Properties"]["AlarmName"]: alarm["Properties"]
        for alarm in synth.resources("AWS::CloudWatch::Alarm").values()
    }
    assert len(found) == len(synth.resources("AWS::CloudWatch::Alarm")), "alarm names must be unique"
    return found


def alarm(synth: Synth, name: str) -> dict[str, Any]:
    return alarms(synth)[f"{synth.stack.stack_name}-{name}"]


def metric_stats(props: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A metric-math alarm's metrics by id: {"Metric": {...}, "Period": ..., "Stat": ...}."""
    return {query["Id"]: query["MetricStat"] for query in props["Metrics"] if "MetricStat" in query}


def expression(props: dict[str, Any]) -> str:
    [found] = [query["Expression"] for query in props["Metrics"] if "Expression" in query]
    return found


SUB_MINUTE_JOBS = [job for job in declaration.JOBS if job.schedule.sub_minute]


def expected_alarm_count() -> int:
    # Per job and worker function its errors (a sub-minute job's error rate instead), per sub-minute job its
    # workflow's failures.
    jobs = len(job_functions()) + len(SUB_MINUTE_JOBS)
    dead_letter_queues = len(declaration.QUEUES) + len(declaration.JOBS)
    throttles = len(declaration.ALL_FUNCTIONS) + len(declaration.TABLES)
    oldest_messages = len(declaration.QUEUES)
    # API 5xx, API latency, price update stopped, stale prices, account sync faults, SMS spend
    return jobs + dead_letter_queues + throttles + oldest_messages + 6


# ------------------------------------------------------------------ every alarm


def test_every_alarm_notifies_the_ops_topic_on_alarm_and_on_ok(synth: Synth) -> None:
    topic = {"Ref": synth.logical_id(synth.stack.monitoring.topic)}
    found = alarms(synth)
    assert len(found) == expected_alarm_count()
    for name, props in found.items():
        assert props["AlarmActions"] == [topic], name
        assert props["OKActions"] == [topic], name
        assert "InsufficientDataActions" not in props, name
        assert props.get("ActionsEnabled", True) is True, name


def test_every_alarm_name_is_one_the_topic_lets_publish(synth: Synth) -> None:
    """The topic policy admits alarms named <stack>-*; an alarm named otherwise would fail silently."""
    [allow] = [
        statement
        for policy in synth.resources("AWS::SNS::TopicPolicy").values()
        if synth.logical_id(synth.stack.monitoring.topic) in synth.refs(policy["Properties"]["Topics"])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
    ]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    source_arn = allow["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"][1]
    assert source_arn[-1] == f":alarm:{synth.stack.stack_name}-*"
    for name in alarms(synth):
        assert name.startswith(f"{synth.stack.stack_name}-"), name


def test_every_alarm_points_to_a_runbook_section_that_exists(synth: Synth) -> None:
    headings = {
        line.lstrip("#").strip() for line in RUNBOOK.read_text(encoding="utf-8").splitlines() if line.startswith("#")
    }
    for name, props in alarms(synth).items():
        match = re.search(r"Runbook: docs/operations\.md, section '([^']+)'", props["AlarmDescription"])
        assert match, name
        assert match.group(1) in headings, (name, match.group(1))


def test_the_ops_topic_key_lets_cloudwatch_encrypt_and_is_rotated(synth: Synth) -> None:
    topic = synth.json["Resources"][synth.logical_id(synth.stack.monitoring.topic)]["Properties"]
    key = synth.json["Resources"][synth.logical_id(synth.stack.monitoring.key)]
    assert synth.refs(topic["KmsMasterKeyId"]) == {synth.logical_id(synth.stack.monitoring.key)}
    assert key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert [sorted(s["Action"]) for s in cloudwatch] == [["kms:Decrypt", "kms:GenerateDataKey*"]]
    # The alert topics' key is not opened to CloudWatch.
    alerts_key = synth.json["Resources"][synth.logical_id(synth.stack.alerts.key)]["Properties"]["KeyPolicy"]
    assert "cloudwatch.amazonaws.com" not in json.dumps(alerts_key)


def test_the_ops_topic_arn_is_a_stack_output(synth: Synth) -> None:
    output = synth.json["Outputs"]["OpsTopicArn"]
    assert output["Value"] == {"Ref": synth.logical_id(synth.stack.monitoring.topic)}


# ------------------------------------------------------------------ job failures


FIRST_ERROR_FUNCTIONS = [
    spec for spec in job_functions() if spec.name not in {job.function.name for job in SUB_MINUTE_JOBS}
]


@pytest.mark.parametrize("spec", FIRST_ERROR_FUNCTIONS, ids=lambda spec: spec.name)
def test_every_job_and_worker_function_alarms_on_its_first_error(synth: Synth, spec: declaration.Function) -> None:
    props = alarm(synth, f"{spec.name}-errors")
    assert (props["Namespace"], props["MetricName"]) == ("AWS/Lambda", "Errors")
    assert props["Dimensions"] == [
        {"Name": "FunctionName", "Value": {"Ref": synth.logical_id(synth.stack.functions.by_name[spec.name])}}
    ]
    assert (props["Statistic"], props["Period"]) == ("Sum", 300)
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert props["EvaluationPeriods"] == 1
    assert props["TreatMissingData"] == "notBreaching"  # no invocation is no error


def test_only_job_and_worker_functions_have_an_errors_alarm(synth: Synth) -> None:
    """The API functions are watched through the API's 5xx rate instead; a sub-minute job through its error
    rate."""
    watched = {
        ref
        for props in alarms(synth).values()
        if props.get("MetricName") == "Errors"
        for ref in synth.refs(props["Dimensions"])
    }
    assert watched == {synth.logical_id(synth.stack.functions.by_name[spec.name]) for spec in FIRST_ERROR_FUNCTIONS}


@pytest.mark.parametrize("job", SUB_MINUTE_JOBS, ids=declaration.job_name)
def test_a_sub_minute_job_alarms_on_its_error_rate_not_on_one_error(synth: Synth, job: declaration.Job) -> None:
    """~48 invocations a minute: one provider hiccup among them is no page; a sustained rate is."""
    props = alarm(synth, f"{job.function.name}-error-rate")
    function = {"Ref": synth.logical_id(synth.stack.functions.by_name[job.function.name])}
    stats = metric_stats(props)
    assert {name: stat["Metric"]["MetricName"] for name, stat in stats.items()} == {
        "errors": "Errors",
        "invocations": "Invocations",
    }
    for stat in stats.values():
        assert stat["Metric"]["Namespace"] == "AWS/Lambda"
        assert stat["Metric"]["Dimensions"] == [{"Name": "FunctionName", "Value": function}]
        assert (stat["Stat"], stat["Period"]) == ("Sum", 300)
    assert expression(props) == (
        f"IF(invocations >= {SUB_MINUTE_MIN_INVOCATIONS}, 100 * FILL(errors, 0) / invocations, 0)"
    )
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", SUB_MINUTE_MAX_ERROR_PERCENT)
    assert (props["DatapointsToAlarm"], props["EvaluationPeriods"]) == (2, 3)
    assert props["TreatMissingData"] == "notBreaching"  # the not-running alarm covers silence


# ------------------------------------------------------------------ throttles


def test_every_function_alarms_on_its_throttles(synth: Synth) -> None:
    throttle_alarms = {
        ref: props
        for props in alarms(synth).values()
        if props.get("MetricName") == "Throttles"
        for ref in synth.refs(props["Dimensions"])
    }
    assert set(throttle_alarms) == set(synth.functions())
    for props in throttle_alarms.values():
        assert props["Namespace"] == "AWS/Lambda"
        assert (props["Statistic"], props["Period"]) == ("Sum", 300)
        assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanOrEqualToThreshold", LAMBDA_THROTTLES)
        assert props["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("table", declaration.TABLES, ids=lambda table: table.key)
def test_every_table_alarms_on_its_throttled_reads_and_writes(synth: Synth, table: declaration.Table) -> None:
    props = alarm(synth, f"{table.key}-table-throttles")
    table_ref = {"Ref": synth.logical_id(synth.stack.data.tables[table.key])}
    stats = metric_stats(props)
    assert {name: stat["Metric"]["MetricName"] for name, stat in stats.items()} == {
        "reads": "ReadThrottleEvents",
        "writes": "WriteThrottleEvents",
    }
    for stat in stats.values():
        assert stat["Metric"]["Namespace"] == "AWS/DynamoDB"
        assert stat["Metric"]["Dimensions"] == [{"Name": "TableName", "Value": table_ref}]
        assert (stat["Stat"], stat["Period"]) == ("Sum", 300)
    assert expression(props) == "FILL(reads, 0) + FILL(writes, 0)"
    assert (props["ComparisonOperator"], props["Threshold"]) == (
        "GreaterThanOrEqualToThreshold",
        DYNAMODB_THROTTLE_EVENTS,
    )


# ------------------------------------------------------------------ work queues


@pytest.mark.parametrize("queue", declaration.QUEUES, ids=lambda queue: queue.key)
def test_every_work_queue_alarms_on_the_age_of_its_oldest_message(synth: Synth, queue: declaration.Queue) -> None:
    props = alarm(synth, f"{queue.key}-queue-oldest-message")
    queue_id = synth.logical_id(synth.stack.queues.queues[queue.key])
    assert (props["Namespace"], props["MetricName"]) == ("AWS/SQS", "ApproximateAgeOfOldestMessage")
    assert props["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}]
    assert (props["Statistic"], props["Period"]) == ("Maximum", 300)
    assert (props["ComparisonOperator"], props["Threshold"]) == (
        "GreaterThanOrEqualToThreshold",
        queue.visibility_timeout_seconds,
    )
    assert props["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("job", [job for job in declaration.JOBS if job.schedule.sub_minute], ids=declaration.job_name)
def test_the_sub_minute_workflow_alarms_on_failed_or_timed_out_executions(synth: Synth, job: declaration.Job) -> None:
    props = alarm(synth, f"{job.function.name}-workflow-failures")
    machine = {"Ref": synth.logical_id(synth.stack.jobs.state_machines[job.function.name])}
    stats = metric_stats(props)
    assert {stat["Metric"]["MetricName"] for stat in stats.values()} == {"ExecutionsFailed", "ExecutionsTimedOut"}
    for stat in stats.values():
        assert stat["Metric"]["Namespace"] == "AWS/States"
        assert stat["Metric"]["Dimensions"] == [{"Name": "StateMachineArn", "Value": machine}]
        assert stat["Stat"] == "Sum"
    assert expression(props) == "FILL(failed, 0) + FILL(timedout, 0)"
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)


# ------------------------------------------------------------------ dead letters


def test_every_dead_letter_queue_alarms_on_its_first_message(synth: Synth) -> None:
    dead_letter_queues = synth.dead_letter_queue_ids()
    assert len(dead_letter_queues) == len(declaration.QUEUES) + len(declaration.JOBS)
    depth_alarms = {
        queue_id: props
        for props in alarms(synth).values()
        if props.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        for queue_id in synth.refs(props["Dimensions"])
    }
    assert set(depth_alarms) == dead_letter_queues
    for queue_id, props in depth_alarms.items():
        assert props["Namespace"] == "AWS/SQS"
        assert props["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}]
        assert (props["Statistic"], props["Period"]) == ("Maximum", 300)
        assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
        # An idle, empty queue stops reporting: missing data means empty.
        assert props["TreatMissingData"] == "notBreaching"


# ------------------------------------------------------------------ API


def test_the_api_alarms_on_its_5xx_rate_once_there_is_traffic(synth: Synth) -> None:
    props = alarm(synth, "api-5xx-rate")
    api = {"Ref": synth.logical_id(synth.stack.api.http_api)}
    stats = metric_stats(props)
    assert {name: stat["Metric"]["MetricName"] for name, stat in stats.items()} == {
        "errors": "5xx",
        "requests": "Count",
    }
    for stat in stats.values():
        assert stat["Metric"]["Namespace"] == "AWS/ApiGateway"
        assert stat["Metric"]["Dimensions"] == [{"Name": "ApiId", "Value": api}]
        assert (stat["Stat"], stat["Period"]) == ("Sum", 300)
    assert expression(props) == f"IF(requests >= {API_MIN_REQUESTS}, 100 * FILL(errors, 0) / requests, 0)"
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", API_MAX_5XX_PERCENT)
    assert (props["DatapointsToAlarm"], props["EvaluationPeriods"]) == (API_DATAPOINTS_TO_ALARM, API_EVALUATION_PERIODS)
    assert props["TreatMissingData"] == "notBreaching"  # no traffic is no outage


def test_the_api_alarms_on_its_p90_latency(synth: Synth) -> None:
    props = alarm(synth, "api-latency-p90")
    assert (props["Namespace"], props["MetricName"]) == ("AWS/ApiGateway", "Latency")
    assert props["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": synth.logical_id(synth.stack.api.http_api)}}]
    assert (props["ExtendedStatistic"], props["Period"]) == ("p90", 300)
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", API_P90_LATENCY_MS)
    assert (props["DatapointsToAlarm"], props["EvaluationPeriods"]) == (2, 3)
    assert props["TreatMissingData"] == "notBreaching"


# ------------------------------------------------------------------ the ops topic's subscription


def test_the_ops_email_parameter_subscribes_only_when_given(synth: Synth) -> None:
    parameter = synth.json["Parameters"]["OpsEmail"]
    assert (parameter["Type"], parameter["Default"]) == ("String", "")
    [subscription] = synth.resources("AWS::SNS::Subscription").values()
    condition_id = subscription["Condition"]
    assert synth.json["Conditions"][condition_id] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "OpsEmail"}, ""]}]}
    assert subscription["Properties"] == {
        "Protocol": "email",
        "TopicArn": {"Ref": synth.logical_id(synth.stack.monitoring.topic)},
        "Endpoint": {"Ref": "OpsEmail"},
    }


# ------------------------------------------------------------------ stale prices


def test_positions_left_on_stale_prices_raise_an_alarm(synth: Synth) -> None:
    props = alarm(synth, "positions-on-stale-prices")
    assert (props["Namespace"], props["MetricName"]) == (declaration.METRICS_NAMESPACE, "SymbolsWithStalePrice")
    assert props["Dimensions"] == APPLICATION_DIMENSIONS
    # The full pass every 3 minutes reports the count; the passes after each price update report 0.
    assert (props["Statistic"], props["Period"]) == ("Maximum", 300)
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert props["EvaluationPeriods"] == STALE_PRICE_PERIODS
    assert props["TreatMissingData"] == "notBreaching"


def test_connected_accounts_syncs_that_keep_faulting_raise_an_alarm(synth: Synth) -> None:
    props = alarm(synth, "account-sync-faults")
    assert (props["Namespace"], props["MetricName"]) == (declaration.METRICS_NAMESPACE, "AccountSyncFaults")
    assert props["Dimensions"] == APPLICATION_DIMENSIONS
    assert (props["Statistic"], props["Period"]) == ("Sum", 300)
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanOrEqualToThreshold", 5)
    assert props["EvaluationPeriods"] == 2
    assert props["TreatMissingData"] == "notBreaching"  # only a sync that meets a fault emits it


def test_the_position_monitor_emits_the_stale_price_count() -> None:
    source = (PACKAGE / "services" / "monitor.py").read_text(encoding="utf-8")
    assert 'metrics.add_metric(name="SymbolsWithStalePrice", unit="Count", value=len(stale))' in source


def test_a_price_update_that_stops_running_raises_an_alarm(synth: Synth) -> None:
    props = alarm(synth, f"{PRICE_UPDATE.function.name}-not-running")
    assert PRICE_UPDATE.schedule.sub_minute
    assert props["MetricName"] == f"{_metric_name(declaration.job_name(PRICE_UPDATE))}Runs"
    assert (props["Namespace"], props["Dimensions"]) == (declaration.METRICS_NAMESPACE, APPLICATION_DIMENSIONS)
    assert (props["Statistic"], props["Period"]) == ("Sum", 300)
    assert (props["ComparisonOperator"], props["Threshold"]) == ("LessThanThreshold", 1)
    # Dozens of runs per period: here no data is the failure.
    assert props["TreatMissingData"] == "breaching"


# ------------------------------------------------------------------ dashboard


def dashboard_body(synth: Synth) -> tuple[str, set[str]]:
    """The dashboard body's literal text and the logical ids it references."""
    [dashboard] = synth.resources("AWS::CloudWatch::Dashboard").values()
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    return "".join(part for part in parts if isinstance(part, str)), synth.refs(parts)


def test_the_dashboard_shows_every_job_and_worker_function(synth: Synth) -> None:
    text, referenced = dashboard_body(synth)
    for spec in job_functions():
        assert synth.logical_id(synth.stack.functions.by_name[spec.name]) in referenced, spec.name
        assert f"{spec.name}: duration" in text
    for metric in ("Duration", "Errors", "Throttles", "Invocations"):
        assert f'"AWS/Lambda","{metric}"' in text


def test_the_dashboard_shows_the_api_the_queues_and_the_workflows(synth: Synth) -> None:
    text, referenced = dashboard_body(synth)
    assert synth.logical_id(synth.stack.api.http_api) in referenced
    for metric in ("Count", "4xx", "5xx", "Latency"):
        assert f'"AWS/ApiGateway","{metric}"' in text
    assert synth.dead_letter_queue_ids() <= referenced
    assert {synth.logical_id(queue) for queue in synth.stack.queues.queues.values()} <= referenced
    assert {synth.logical_id(machine) for machine in synth.stack.jobs.state_machines.values()} <= referenced
    # Every alarm in the status widget.
    alarm_ids = set(synth.resources("AWS::CloudWatch::Alarm"))
    assert alarm_ids <= referenced


def test_the_dashboard_shows_the_application_metrics_and_stale_prices(synth: Synth) -> None:
    text, _ = dashboard_body(synth)
    for group in APPLICATION_METRICS:
        for name in (*group.left, *group.right):
            assert f'"{declaration.METRICS_NAMESPACE}","{name}","service","{declaration.SERVICE_NAME}"' in text, name
    assert '"SymbolsWithStalePrice"' in text


def emitted_metric_names() -> set[str]:
    """Every metric name the code emits: the literal ``add_metric(name="...")`` calls, plus the names that
    ``goalpost.edges.jobs`` derives from each job entry point and ``services.delivery`` from each channel."""
    names = {
        name
        for path in PACKAGE.rglob("*.py")
        for name in re.findall(r'add_metric\(\s*name="(\w+)"', path.read_text(encoding="utf-8"))
    }
    jobs_source = (PACKAGE / "edges" / "jobs.py").read_text(encoding="utf-8")
    assert 'name=f"{_metric_name(name)}Runs"' in jobs_source
    assert 'name=f"{_metric_name(name)}BatchFailures"' in jobs_source
    for path in (ROOT / "functions" / "jobs").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= {f"{_metric_name(job)}Runs" for job in re.findall(r'job_handler\("(\w+)"', text)}
        names |= {f"{_metric_name(job)}BatchFailures" for job in re.findall(r'queue_worker\("(\w+)"', text)}
    assert 'name=f"Alerts{channel.capitalize()}Sent"' in (PACKAGE / "services" / "delivery.py").read_text(
        encoding="utf-8"
    )
    names |= {f"Alerts{channel.capitalize()}Sent" for channel in (EMAIL_CHANNEL, SMS_CHANNEL)}
    return names


def test_every_metric_on_the_dashboard_is_one_the_code_emits() -> None:
    """A renamed metric would leave a flat line on the dashboard; this catches it."""
    emitted = emitted_metric_names()
    shown = {name for group in APPLICATION_METRICS for name in (*group.left, *group.right)}
    assert shown - emitted == set()
    # And everything the code emits is on the dashboard.
    assert emitted - shown == set()
