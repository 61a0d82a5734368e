"""SNS: one topic per declared topic, encrypted with one customer-managed key and TLS-only."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_sns as sns
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import pascal, rotated_key


class Alerts(Construct):
    """Every topic in ``declaration.TOPICS``, keyed by the declared topic key (``alerts``)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # A customer-managed key (not alias/aws/sns) so that publishers can be granted kms:GenerateDataKey
        # and so that future AWS-service subscribers can be allowed in the key policy.
        self.key = rotated_key(
            self, "TopicKey", description="Encrypts the Goalpost SNS topics", removal_policy=RemovalPolicy.RETAIN
        )
        self.topics: dict[str, sns.Topic] = {
            topic.key: sns.Topic(
                self,
                f"{pascal(topic.key)}Topic",
                master_key=self.key,
                enforce_ssl=True,
            )
            for topic in declaration.TOPICS
        }
