"""The Goalpost stack: composes one construct per capability, all built from ``goalpost.declaration``."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, CfnParameter, Environment, Stack, Tags
from constructs import Construct

from goalpost import declaration
from infra.constructs import (
    AccountKeys,
    Alerts,
    Api,
    Auth,
    Data,
    Edge,
    EdgeFirewall,
    Functions,
    Jobs,
    Layers,
    Monitoring,
    Queues,
    Secrets,
    WebApp,
)
from infra.constructs._common import context_flag, context_list, pascal
from infra.constructs.edge import WEB_ACL_REGION
from infra.constructs.sms import SmsContext, SmsSettings
from infra.dev.web import ensure_built


class GoalpostStack(Stack):
    """Context: ``deletion_protection`` (default true) for the tables and the user pool,
    ``cors_allow_origins`` (comma-separated exact origins, default none: no cross-origin access),
    ``powertools_layer_arn`` / ``powertools_version``.
    Termination protection follows ``deletion_protection``: a stack whose tables may be deleted may be too.
    Parameter: ``OpsEmail``, an address subscribed to the ops topic (none when empty)."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(
            scope, construct_id, description="Goalpost: financial goals, portfolios and positions", **kwargs
        )
        Tags.of(self).add("service", declaration.SERVICE_NAME)
        deletion_protection = context_flag(self, "deletion_protection", default=True)
        self.termination_protection = deletion_protection
        ops_email = CfnParameter(
            self,
            "OpsEmail",
            type="String",
            default="",
            allowed_pattern=r"^$|^[^@\s]+@[^@\s]+$",
            constraint_description="an email address, or empty for no subscription",
            description="An email address to subscribe to the ops topic (every alarm); empty for none",
        )

        sms = SmsContext.of(self)  # checked first: a bad value fails the synth before anything is built
        self.data = Data(self, "Data", deletion_protection=deletion_protection)
        self.alerts = Alerts(self, "Alerts")
        self.auth = Auth(self, "Auth", deletion_protection=deletion_protection)
        self.queues = Queues(self, "Queues")
        self.secrets = Secrets(self, "Secrets")
        self.account_keys = AccountKeys(self, "AccountKeys")
        self.layers = Layers(self, "Layers")
        self.functions = Functions(
            self,
            "Functions",
            tables=self.data.tables,
            topics=self.alerts.topics,
            queues=self.queues.queues,
            secrets=self.secrets.secrets,
            origin_secret=self.secrets.origin_secret,
            account_keys=self.account_keys,
            layers=self.layers.all,
            sms=sms,
        )
        self.sms = SmsSettings(self, "Sms", context=sms)
        self.api = Api(
            self,
            "Api",
            functions=self.functions.by_name,
            user_pool=self.auth.user_pool,
            user_pool_client=self.auth.client,
            cors_allow_origins=context_list(self, "cors_allow_origins"),
        )
        self.edge = Edge(self, "Edge", http_api=self.api.http_api, origin_secret=self.secrets.origin_secret)
        self.web = WebApp(
            self,
            "Web",
            distribution=self.edge.distribution,
            auth=self.auth,
            dist=ensure_built(),  # npm runs only when the app's sources or lockfile changed
            deletion_protection=deletion_protection,
        )
        self.jobs = Jobs(self, "Jobs", functions=self.functions.by_name, queues=self.queues.queues)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            functions=self.functions.by_name,
            http_api=self.api.http_api,
            work_queues=self.queues.queues,
            work_dead_letter_queues=self.queues.dead_letter_queues,
            job_dead_letter_queues=self.jobs.dead_letter_queues,
            state_machines=self.jobs.state_machines,
            tables=self.data.tables,
            ops_email=ops_email,
            sms_spend_alarm_usd=sms.spend_alarm_usd,
        )

        CfnOutput(self, "ApiUrl", value=self.edge.url, description="Base URL of the API (its CloudFront distribution)")
        CfnOutput(self, "WebAppUrl", value=self.web.url, description="The web app (sign in through managed login)")
        CfnOutput(self, "UserPoolId", value=self.auth.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.auth.client.user_pool_client_id)
        CfnOutput(
            self,
            "UserPoolDomainUrl",
            value=self.auth.domain.base_url(),
            description="Managed login: /oauth2/authorize and /oauth2/token (code grant with PKCE, scope goalpost/api)",
        )
        for key, topic in self.alerts.topics.items():
            CfnOutput(self, f"{pascal(key)}TopicArn", value=topic.topic_arn)
        CfnOutput(
            self,
            "OpsTopicArn",
            value=self.monitoring.topic.topic_arn,
            description="Every alarm notifies this topic; subscribe to it (docs/operations.md)",
        )
        for key, secret in self.secrets.secrets.items():
            CfnOutput(
                self,
                f"{pascal(key)}SecretArn",
                value=secret.secret_arn,
                description=f"Put the real value with aws secretsmanager put-secret-value: "
                f"{declaration.SECRETS_BY_KEY[key].description}",
            )


class EdgeFirewallStack(Stack):
    """The web ACL for a main stack deployed outside us-east-1 (CloudFront's web ACLs live there only): deploy it
    first, then pass its ``WebAclArn`` output as the main stack's ``EdgeWebAclArn`` (docs/operations.md)."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            description="Goalpost: the AWS WAF web ACL of the API's CloudFront distribution",
            env=Environment(region=WEB_ACL_REGION),
            **kwargs,
        )
        Tags.of(self).add("service", declaration.SERVICE_NAME)
        firewall = EdgeFirewall(self, "Firewall")
        CfnOutput(
            self,
            "WebAclArn",
            value=firewall.web_acl.attr_arn,
            description="Pass it to the main stack: --parameters EdgeWebAclArn=<this>",
        )
