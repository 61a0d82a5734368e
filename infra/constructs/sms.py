"""The account's SMS settings, which SNS keeps per account and region, not per topic or stack: Transactional by
default, and a monthly spend limit, set by a custom resource on every deployment (there is no CloudFormation
resource for them). The deployment's context chooses the limit and the SMS sender's own per-message settings:

- ``sms_monthly_spend_limit_usd``: whole dollars, default 1, AWS's own default quota for an account. SNS refuses
  a limit above the account's quota: raising it past that needs an AWS support case first (docs/operations.md).
- ``sms_sender_id`` and ``sms_max_price_usd``: given to the SMS sender only (goalpost.settings); unset, SNS's
  defaults (no sender ID; no price cap per message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import acknowledge, context_text, provider_identity

DEFAULT_MONTHLY_SPEND_LIMIT_USD = "1"
# The spend alarm (infra.constructs.monitoring) goes off at this share of the monthly limit: time to raise the
# limit (a support case takes days) before SNS stops sending for the rest of the month.
SPEND_ALARM_SHARE = Decimal("0.8")
# Its own choice rather than Lambda's 128 MB default (Serverless-LambdaDefaultMemorySize): one SDK call a
# deployment, for which 256 MB's CPU share starts Node.js quickly.
PROVIDER_MEMORY_MB = 256


def _amount(key: str, value: str, *, whole: bool) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"context {key!r} must be an amount in USD, got {value!r}") from None
    if not amount.is_finite() or amount <= 0 or (whole and amount != amount.to_integral_value()):
        kind = "a whole number of" if whole else "a positive amount in"
        raise ValueError(f"context {key!r} must be {kind} USD above zero, got {value!r}")
    return amount


@dataclass(frozen=True)
class SmsContext:
    """The SMS choices of a deployment, read from the CDK context and checked before anything is built."""

    monthly_spend_limit_usd: Decimal
    sender_id: str | None = None
    max_price_usd: Decimal | None = None

    @classmethod
    def of(cls, scope: Construct) -> SmsContext:
        limit = context_text(scope, "sms_monthly_spend_limit_usd") or DEFAULT_MONTHLY_SPEND_LIMIT_USD
        sender_id = context_text(scope, "sms_sender_id")
        if sender_id and (
            len(sender_id) > declaration.SMS_SENDER_ID_MAX_LENGTH
            or not re.fullmatch(declaration.SMS_SENDER_ID_PATTERN, sender_id)
        ):
            raise ValueError(f"context 'sms_sender_id' must be 1-11 letters and digits, got {sender_id!r}")
        max_price = context_text(scope, "sms_max_price_usd")
        return cls(
            monthly_spend_limit_usd=_amount("sms_monthly_spend_limit_usd", limit, whole=True),
            sender_id=sender_id or None,
            max_price_usd=_amount("sms_max_price_usd", max_price, whole=False) if max_price else None,
        )

    def sender_environment(self) -> dict[str, str]:
        """What the SMS sender is told (and no other function)."""
        environment = {}
        if self.sender_id:
            environment[declaration.SMS_SENDER_ID_ENV] = self.sender_id
        if self.max_price_usd is not None:
            environment[declaration.SMS_MAX_PRICE_ENV] = str(self.max_price_usd)
        return environment

    @property
    def spend_alarm_usd(self) -> Decimal:
        return self.monthly_spend_limit_usd * SPEND_ALARM_SHARE


class SmsSettings(Construct):
    """``settings``: the custom resource that sets the account's SMS attributes (SNS SetSMSAttributes), through
    the CDK's own Node.js provider function (no Docker, no code of ours). On delete it does nothing: the
    settings are the account's, and the defaults they would fall back to are no safer."""

    def __init__(self, scope: Construct, construct_id: str, *, context: SmsContext) -> None:
        super().__init__(scope, construct_id)
        call = cr.AwsSdkCall(
            service="SNS",
            action="setSMSAttributes",
            parameters={
                "attributes": {
                    "DefaultSMSType": "Transactional",
                    "MonthlySpendLimit": str(context.monthly_spend_limit_usd),
                }
            },
            # One per account and region; a changed limit is an update of the same resource, which sets it again.
            physical_resource_id=cr.PhysicalResourceId.of("goalpost-account-sms-attributes"),
        )
        role, log_group = provider_identity(
            self, "Provider", description="Goalpost: sets the account's SMS attributes on deployment"
        )
        self.settings = cr.AwsCustomResource(
            self,
            "AccountSmsAttributes",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["sns:SetSMSAttributes"], resources=["*"])]
            ),
            role=role,
            log_group=log_group,
            memory_size=PROVIDER_MEMORY_MB,
            install_latest_aws_sdk=False,
        )
        # The CDK's singleton provider function (one per stack, whatever uses it).
        provider_id = "AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", "")
        self.provider = Stack.of(self).node.find_child(provider_id)
        acknowledge(
            self.provider,
            "Serverless-LambdaDLQ",
            "CloudFormation invokes the custom resource's provider and waits for its answer: a failure fails the "
            "deployment, which rolls back and shows the error. A dead-letter queue would keep an event whose "
            "response URL has expired, which nothing can replay.",
        )
        acknowledge(
            self.provider,
            "Serverless-LambdaTracing",
            "The CDK's provider function for AwsCustomResource takes no tracing setting, and it makes one SNS call "
            "per deployment: CloudFormation's stack events and the function's own log group record each call.",
        )
        acknowledge(
            self.settings.node.find_child("CustomResourcePolicy"),
            "AwsSolutions-IAM5",
            "sns:SetSMSAttributes sets account-level SMS settings and supports no resource-level permissions (it has "
            "no resource ARN), so Resource * is the only possible value; the statement allows that action alone.",
            applies_to=["Resource::*"],
        )
