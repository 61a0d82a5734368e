"""DynamoDB: one table per declared table (on-demand, or provisioned with auto scaling where the declaration
gives a capacity), and an AWS Backup plan that backs them all up daily."""

from __future__ import annotations

from aws_cdk import Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import acknowledge, pascal

# Point-in-time recovery restores any second of the last 35 days but lives and dies with the table; the daily
# backups are kept as long, in a vault that outlives the stack and a deleted table.
BACKUP_RETENTION = Duration.days(35)
# 03:00 UTC: after the end-of-day job (23:59) and its workers, at the quietest hour of the price update.
BACKUP_HOUR_UTC = 3


def _string_key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


def _autoscaled(minimum: int, maximum: int, target_percent: int) -> dynamodb.Capacity:
    return dynamodb.Capacity.autoscaled(
        min_capacity=minimum, max_capacity=maximum, target_utilization_percent=target_percent
    )


def _billing(capacity: declaration.Capacity | None) -> dynamodb.Billing:
    """On-demand, or provisioned read and write units that Application Auto Scaling keeps at the target
    utilisation between the declared bounds (TableV2 registers the scalable targets; its service-linked role
    does the scaling, so the stack creates no role for it)."""
    if capacity is None:
        return dynamodb.Billing.on_demand()
    return dynamodb.Billing.provisioned(
        read_capacity=_autoscaled(capacity.min_read, capacity.max_read, capacity.target_percent),
        write_capacity=_autoscaled(capacity.min_write, capacity.max_write, capacity.write_target),
    )


def _index(index: declaration.Index, capacity: declaration.Capacity | None) -> dynamodb.GlobalSecondaryIndexPropsV2:
    """A global secondary index copying every attribute, or only the declared ones (and the keys); on a
    provisioned table it scales its own capacity within the table's bounds (each write to the table writes its
    copy)."""
    return dynamodb.GlobalSecondaryIndexPropsV2(
        index_name=index.name,
        partition_key=_string_key(index.partition_key),
        sort_key=_string_key(index.sort_key),
        projection_type=dynamodb.ProjectionType.ALL if index.projection is None else dynamodb.ProjectionType.INCLUDE,
        non_key_attributes=None if index.projection is None else list(index.projection),
        read_capacity=None
        if capacity is None
        else _autoscaled(capacity.min_read, capacity.max_read, capacity.target_percent),
        write_capacity=None
        if capacity is None
        else _autoscaled(capacity.min_write, capacity.max_write, capacity.write_target),
    )


class Data(Construct):
    """Every table in ``declaration.TABLES``, keyed by the declared table key (``data``, ``system``, ...)."""

    def __init__(self, scope: Construct, construct_id: str, *, deletion_protection: bool) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[str, dynamodb.TableV2] = {
            table.key: self._table(table, deletion_protection=deletion_protection) for table in declaration.TABLES
        }
        self.backup_plan = self._backup_plan()

    def _table(self, table: declaration.Table, *, deletion_protection: bool) -> dynamodb.TableV2:
        return dynamodb.TableV2(
            self,
            f"{pascal(table.key)}Table",
            partition_key=_string_key(table.partition_key),
            sort_key=_string_key(table.sort_key) if table.sort_key else None,
            billing=_billing(table.capacity),
            global_secondary_indexes=[_index(index, table.capacity) for index in table.indexes],
            time_to_live_attribute=table.ttl_attribute,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=deletion_protection,
            # User data outlives the stack: deleting the stack must never delete a table.
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _backup_plan(self) -> backup.BackupPlan:
        stack = Stack.of(self)
        # Retained (a vault holding recovery points cannot be deleted anyway), so its name must not come back
        # in a stack created again after this one: it ends with the start of the stack id's UUID, new per stack.
        stack_uuid = Fn.select(2, Fn.split("/", stack.stack_id))
        vault = backup.BackupVault(
            self,
            "BackupVault",
            backup_vault_name=Fn.join("-", [stack.stack_name, "tables", Fn.select(0, Fn.split("-", stack_uuid))]),
            removal_policy=RemovalPolicy.RETAIN,
        )
        plan = backup.BackupPlan(self, "BackupPlan", backup_plan_name=f"{stack.stack_name}-tables", backup_vault=vault)
        plan.add_rule(
            backup.BackupPlanRule(
                rule_name="Daily",
                schedule_expression=events.Schedule.cron(minute="0", hour=str(BACKUP_HOUR_UTC)),
                delete_after=BACKUP_RETENTION,
            )
        )
        selection = plan.add_selection(
            "Tables",
            resources=[backup.BackupResource.from_arn(table.table_arn) for table in self.tables.values()],
        )
        acknowledge(
            selection.node.find_child("Role"),
            "AwsSolutions-IAM4",
            "AWS Backup's own service role policy (AWSBackupServiceRolePolicyForBackup): AWS keeps its actions in "
            "step with every service Backup supports; the selection names only this stack's tables.",
            applies_to=[
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
            ],
        )
        return plan
