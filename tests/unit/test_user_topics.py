"""The users' own alert topics (goalpost.edges.sns.user_topic) are created encrypted with the topics' key and
with a policy that refuses any request not made over TLS."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from moto import mock_aws

from goalpost import aws
from goalpost.edges import sns
from goalpost.settings import reset_settings

KEY = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"


@pytest.fixture
def moto_sns(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TOPICS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    reset_settings()
    with mock_aws():
        aws.reset_clients()
        yield
    aws.reset_clients()
    reset_settings()


def test_a_users_topic_is_encrypted_with_the_topics_key_and_tls_only(moto_sns: None) -> None:
    arn = sns.user_topic("goalpost-alerts-probe")
    attributes = aws.client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["KmsMasterKeyId"] == KEY
    (statement,) = json.loads(attributes["Policy"])["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == ("Deny", "*", "sns:Publish")
    assert statement["Resource"] == arn
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_creating_a_users_topic_again_is_the_same_topic(moto_sns: None) -> None:
    """CreateTopic is idempotent by name only when the attributes match: the retry after a failed store."""
    assert sns.user_topic("goalpost-alerts-probe") == sns.user_topic("goalpost-alerts-probe")
