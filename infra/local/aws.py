"""The AWS of the local server and of the tests: moto in-process, built from the declaration.

moto is not thread-safe, so every AWS call is serialized here: requests are served concurrently, but each
DynamoDB/SNS/SQS call is atomic as on AWS (conditional writes and transactions keep their meaning), and an
invocation that times out is never interrupted inside one (infra.local.threads).
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial, wraps
from queue import Queue
from secrets import token_hex
from typing import Any

from goalpost import aws as goalpost_aws
from goalpost import declaration
from goalpost.settings import reset_settings
from infra.local import moto_index_pages, moto_speed
from infra.local.threads import uninterruptible

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
_call_lock = threading.RLock()
_patched = False


@dataclass(frozen=True)
class Published:
    topic: str | None
    phone_number: str | None
    subject: str | None
    message: str
    attributes: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "phone_number": self.phone_number,
            "subject": self.subject,
            "message": self.message,
            "attributes": self.attributes,
        }


class PublishLog:
    """Every SNS publish made through moto, in order (``/_local/published`` and the tests read it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Published] = []

    def add(self, item: Published) -> None:
        with self._lock:
            self._items.append(item)

    def all(self) -> list[Published]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


published = PublishLog()


def _attribute_values(attributes: dict[str, Any] | None) -> dict[str, str]:
    values = {}
    for name, attribute in (attributes or {}).items():
        if isinstance(attribute, dict):
            value = attribute.get("StringValue", attribute.get("Value", attribute.get("BinaryValue", "")))
        else:
            value = attribute
        values[name] = str(value)
    return values


def _untracked_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    return object.__new__(cls)


class _PrivateKeyOnFirstUse:
    """moto's KMS makes a 2048-bit RSA private key for every key, even a symmetric one, which only its Sign,
    Verify and GetPublicKey would read: 50 to 100 ms of every moto world, the tests' most costly single step.
    This makes it when one of those first asks for it."""

    def __init__(self, make: Any, key_spec: str) -> None:
        self._make = make
        self._key_spec = key_spec
        self._key: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # its own fields, or a copy's protocol asking a half-made instance
            raise AttributeError(name)
        if self._key is None:
            self._key = self._make(self._key_spec)
        return getattr(self._key, name)


def _patch_moto() -> None:
    """Serialize moto's request processing, record SNS publishes, stop moto's instance tracking, make a KMS key's
    RSA key only when used, keep moto's costs from growing with its data (infra.local.moto_speed), and page
    index Queries by the index's own copies (infra.local.moto_index_pages). Done once per process."""
    global _patched  # noqa: PLW0603 (process-wide, once)
    if _patched:
        return
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.core.common_models import BaseModel
    from moto.core.model_instances import reset_model_data
    from moto.kms import models as kms_models
    from moto.sns.models import SNSBackend

    original_call = BotocoreStubber.__call__

    @wraps(original_call)
    def serialized_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        # A timed-out invocation is made to raise after the call, never inside it (moto's state stays whole).
        with _call_lock, uninterruptible:
            return original_call(self, *args, **kwargs)

    original_publish = SNSBackend.publish

    @wraps(original_publish)
    def recorded_publish(
        self: Any,
        message: str,
        arn: str | None,
        phone_number: str | None = None,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> str:
        message_id = original_publish(
            self,
            message,
            arn,
            phone_number=phone_number,
            subject=subject,
            message_attributes=message_attributes,
            **kwargs,
        )
        published.add(
            Published(
                arn if not phone_number else None, phone_number, subject, message, _attribute_values(message_attributes)
            )
        )
        return message_id

    BotocoreStubber.__call__ = serialized_call  # type: ignore[method-assign]
    SNSBackend.publish = recorded_publish  # type: ignore[method-assign,assignment]
    _deliver_http_as_sns()
    # moto keeps every model instance it ever creates (every item written, every message) in its class's
    # ``instances_tracked``, for its server's dashboard, until the mock stops: a long-running local server would
    # grow with every write. Nothing here reads them (moto's S3 reset disposes of its keys through its buckets
    # as well; S3 is not used), so none are kept.
    BaseModel.__new__ = staticmethod(_untracked_new)  # type: ignore[method-assign]
    reset_model_data()
    kms_models.generate_private_key = partial(_PrivateKeyOnFirstUse, kms_models.generate_private_key)  # type: ignore[assignment]
    moto_speed.install()
    moto_index_pages.install()
    _patched = True


HTTP_DELIVERY_TIMEOUT_SECONDS = 5


def _deliver_http_as_sns() -> None:
    """moto posts an HTTP(S) subscription's message inside the Publish call, without a timeout and without the
    message attributes; a subscriber that is down fails the publisher; and it sends no subscription
    confirmation. SNS first POSTs a ``SubscriptionConfirmation``, then delivers each message on its own time,
    with the attributes, and a subscriber's failure is its retry policy's business, never the publisher's. So
    here both go, in order, from a thread of their own (``_http_deliveries``), each post bounded, a failure
    dropped (the local server does not retry); the filter policy is applied first, as moto does."""
    from moto.sns.models import SNSBackend, Subscription

    original_publish = Subscription.publish
    original_subscribe = SNSBackend.subscribe

    @wraps(original_publish)
    def publish(self: Any, message: str, message_id: str, subject: str | None = None, **kwargs: Any) -> None:
        if self.protocol not in ("http", "https"):
            return original_publish(self, message, message_id, subject, **kwargs)
        attributes = kwargs.get("message_attributes")
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(attributes, message):
            return None
        body = self.get_post_data(message, message_id, subject, message_attributes=attributes)
        _http_deliveries.put((self.endpoint, "Notification", body))
        return None

    @wraps(original_subscribe)
    def subscribe(self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
        subscription = original_subscribe(self, topic_arn, endpoint, protocol)
        if protocol in ("http", "https"):
            _http_deliveries.put((endpoint, "SubscriptionConfirmation", _confirmation(topic_arn)))
        return subscription

    Subscription.publish = publish  # type: ignore[method-assign,assignment]
    SNSBackend.subscribe = subscribe  # type: ignore[method-assign]
    threading.Thread(target=_deliver_http, name="local-sns-http", daemon=True).start()


# (endpoint, SNS message type, body), posted in order by one thread.
_http_deliveries: Queue[tuple[str, str, dict[str, Any]]] = Queue()


def _confirmation(topic_arn: str) -> dict[str, Any]:
    """A SubscriptionConfirmation as SNS sends it (unsigned here; moto has confirmed the subscription already)."""
    token = token_hex(32)
    return {
        "Type": "SubscriptionConfirmation",
        "MessageId": str(uuid.uuid4()),
        "Token": token,
        "TopicArn": topic_arn,
        "Message": f"You have chosen to subscribe to the topic {topic_arn}.\nTo confirm the subscription, visit "
        "the SubscribeURL included in this message.",
        "SubscribeURL": f"https://sns.{REGION}.amazonaws.com/?Action=ConfirmSubscription&TopicArn={topic_arn}"
        f"&Token={token}",
        "Timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def _deliver_http() -> None:
    import requests

    while True:
        endpoint, kind, body = _http_deliveries.get()
        with suppress(requests.RequestException):  # SNS would retry by its delivery policy; here it is dropped
            requests.post(
                endpoint,
                data=json.dumps(body),
                headers={
                    "Content-Type": "text/plain; charset=UTF-8",
                    "x-amz-sns-message-type": kind,
                    "x-amz-sns-message-id": str(body["MessageId"]),
                    "x-amz-sns-topic-arn": str(body["TopicArn"]),
                },
                timeout=HTTP_DELIVERY_TIMEOUT_SECONDS,
            )


def resource_names(prefix: str = "goalpost-local") -> dict[str, str]:
    """The environment that names every table and topic (the deployer sets the same variables)."""
    names = {table.env: f"{prefix}-{table.key}" for table in declaration.TABLES}
    names.update({topic.env: f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{prefix}-{topic.key}" for topic in declaration.TOPICS})
    names.update(
        {
            queue.env: f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{prefix}-{queue.key}"
            for queue in declaration.QUEUES
        }
    )
    # A secret's ARN is known once it exists (create_resources fills it in); until then, its name.
    names.update({secret.env: f"{prefix}-{secret.key}" for secret in declaration.SECRETS})
    return names


def fake_credentials() -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }


LOCAL_SERVER_ENV = "GOALPOST_LOCAL_SERVER"
LOCAL_ALPACA_CREDENTIALS = ("local-alpaca-key", "local-alpaca-secret")
ACCOUNTS_KEY_ENV = "ACCOUNTS_KEY_ID"


def create_resources(names: dict[str, str]) -> None:
    """Creates every declared table (keys, indexes, TTL), topic, queue and secret, and the accounts' KMS key."""
    dynamodb = goalpost_aws.client("dynamodb")
    for table in declaration.TABLES:
        name = names[table.env]
        key_names = [table.partition_key, *([table.sort_key] if table.sort_key else [])]
        for index in table.indexes:
            key_names += [index.partition_key, index.sort_key]
        schema = [{"AttributeName": table.partition_key, "KeyType": "HASH"}]
        if table.sort_key:
            schema.append({"AttributeName": table.sort_key, "KeyType": "RANGE"})
        # On-demand whatever the declared capacity: moto neither throttles nor scales.
        request: dict[str, Any] = {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": schema,
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in dict.fromkeys(key_names)],
        }
        if table.indexes:
            request["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": [
                        {"AttributeName": index.partition_key, "KeyType": "HASH"},
                        {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                    ],
                    "Projection": (
                        {"ProjectionType": "ALL"}
                        if index.projection is None
                        else {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.projection)}
                    ),
                }
                for index in table.indexes
            ]
        dynamodb.create_table(**request)
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
    sns = goalpost_aws.client("sns")
    for topic in declaration.TOPICS:
        sns.create_topic(Name=names[topic.env].rsplit(":", 1)[1])
    sqs = goalpost_aws.client("sqs")
    for queue in declaration.QUEUES:
        # Each with its dead-letter queue after max_receive_count receives, as deployed (infra.constructs.queues).
        name = names[queue.env].rsplit("/", 1)[1]
        dead_letters = sqs.create_queue(QueueName=f"{name}-dead-letters")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=dead_letters, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = {"deadLetterTargetArn": arn, "maxReceiveCount": queue.max_receive_count}
        sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(redrive)})
    secrets = goalpost_aws.client("secretsmanager")
    for secret in declaration.SECRETS:
        # Stand-in credentials: the simulated market checks that they are sent, as Alpaca checks real ones.
        key_id, secret_key = LOCAL_ALPACA_CREDENTIALS if secret.key == "alpaca" else (secret.key, secret.key)
        value = json.dumps({"key_id": key_id, "secret_key": secret_key})
        arn = secrets.create_secret(Name=names[secret.env], SecretString=value)["ARN"]
        names[secret.env] = arn
        os.environ[secret.env] = arn
    # The key that seals connected accounts' credentials (goalpost.edges.accounts.vault); its id is known once it
    # exists, like a secret's ARN.
    created = goalpost_aws.client("kms").create_key(Description="connected accounts' credentials")
    key_id = created["KeyMetadata"]["KeyId"]
    names[ACCOUNTS_KEY_ENV] = key_id
    os.environ[ACCOUNTS_KEY_ENV] = key_id


class LocalAws:
    """moto started in this process with every declared resource, and the environment pointing at them."""

    def __init__(self, prefix: str = "goalpost-local") -> None:
        self.names = resource_names(prefix)
        self._mock: Any = None

    def start(self) -> LocalAws:
        _patch_moto()
        from moto import mock_aws

        os.environ.update(fake_credentials())
        os.environ.update(self.names)
        os.environ[LOCAL_SERVER_ENV] = "true"  # not deployed: webhooks may be loopback HTTP (the tests listen)
        reset_settings()
        goalpost_aws.reset_clients()
        self._mock = mock_aws()
        self._mock.start()
        published.clear()
        create_resources(self.names)
        reset_settings()
        return self

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        goalpost_aws.reset_clients()

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


@contextmanager
def dynamodb_requests() -> Iterator[Counter[str]]:
    """Counts the DynamoDB requests made through Goalpost's client while the block runs, by operation
    (botocore's event hooks: what the benchmark and the constant-cost tests measure)."""
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    events = goalpost_aws.client("dynamodb").meta.events
    events.register("before-call.dynamodb", count)
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb", count)
