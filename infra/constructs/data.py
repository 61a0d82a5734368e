"""DynamoDB: one on-demand table per declared table."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import pascal


def _string_key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Data(Construct):
    """Every table in ``declaration.TABLES``, keyed by the declared table key (``data``, ``system``, ...)."""

    def __init__(self, scope: Construct, construct_id: str, *, deletion_protection: bool) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[str, dynamodb.TableV2] = {
            table.key: self._table(table, deletion_protection=deletion_protection) for table in declaration.TABLES
        }

    def _table(self, table: declaration.Table, *, deletion_protection: bool) -> dynamodb.TableV2:
        return dynamodb.TableV2(
            self,
            f"{pascal(table.key)}Table",
            partition_key=_string_key(table.partition_key),
            sort_key=_string_key(table.sort_key) if table.sort_key else None,
            billing=dynamodb.Billing.on_demand(),
            global_secondary_indexes=[
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=index.name,
                    partition_key=_string_key(index.partition_key),
                    sort_key=_string_key(index.sort_key),
                    projection_type=dynamodb.ProjectionType.ALL,
                )
                for index in table.indexes
            ],
            time_to_live_attribute=table.ttl_attribute,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=deletion_protection,
            # User data outlives the stack: deleting the stack must never delete a table.
            removal_policy=RemovalPolicy.RETAIN,
        )
