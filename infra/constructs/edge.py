"""The edge: a CloudFront distribution in front of the HTTP API, guarded by an AWS WAF web ACL.

A web ACL for CloudFront has the CLOUDFRONT scope, which exists in us-east-1 only, while the stack deploys to any
region and synthesizes without knowing which. So ``Edge`` holds its own ``EdgeFirewall`` under a condition (the
stack's region is us-east-1) and otherwise takes the ARN of the firewall of the companion stack
(``infra.stack.EdgeFirewallStack``, pinned to us-east-1) as the ``EdgeWebAclArn`` parameter, which a template rule
makes mandatory there: the API is never deployed behind an unguarded distribution. docs/decisions.md says why."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aws_cdk import ArnFormat, Aws, CfnCondition, CfnParameter, CfnRule, CfnRuleAssertion, Duration, Fn, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import LOG_RETENTION, acknowledge

WEB_ACL_REGION = "us-east-1"  # the only region with the CLOUDFRONT scope


@dataclass(frozen=True)
class RateLimit:
    """A WAF rate-based rule: at most ``limit`` requests per key in any ``window_seconds``, then 429."""

    name: str
    limit: int
    window_seconds: int


# Per client IP: generous, since an office or a mobile carrier's NAT puts many users behind one address; it also
# bounds what one machine can do with many tokens, or with made-up Authorization headers.
PER_IP = RateLimit("PerClientIp", limit=3000, window_seconds=300)
# Per bearer token, i.e. per signed-in session of one user (a Cognito access token carries one ``sub``): about
# 3 requests a second sustained, several times what the web app sends while a user clicks through it.
PER_TOKEN = RateLimit("PerBearerToken", limit=1000, window_seconds=300)
# The costly routes (declaration.COSTLY_ROUTES: a provider round trip, a whole price update) per token; 10 a minute
# is WAF's smallest limit and still more than a person asks for.
COSTLY_ROUTES_PER_TOKEN = RateLimit("CostlyRoutesPerBearerToken", limit=10, window_seconds=60)
RATE_LIMITS = (PER_IP, PER_TOKEN, COSTLY_ROUTES_PER_TOKEN)

# AWS managed rule groups, in the order they run: the IP reputation list first (a known-bad address is refused
# before it counts against anything), the content checks after the rate limits.
IP_REPUTATION = "AWSManagedRulesAmazonIpReputationList"
COMMON = "AWSManagedRulesCommonRuleSet"
KNOWN_BAD_INPUTS = "AWSManagedRulesKnownBadInputsRuleSet"
MANAGED_RULE_GROUPS = (IP_REPUTATION, COMMON, KNOWN_BAD_INPUTS)
# Common's SizeRestrictions_BODY blocks bodies over 8 KB; the API takes up to 64 KiB and answers 413 past that
# (goalpost.edges.api.MAX_BODY_BYTES), so that rule only counts (visible in the metrics and the WAF log).
COUNTED_RULES = {COMMON: ("SizeRestrictions_BODY",)}

THROTTLED_BODY_KEY = "throttled"
THROTTLED_DETAIL = "Too many requests from this client: wait a minute, then send the request again"
AUTHORIZATION_HEADER = "authorization"


def costly_path_pattern() -> str:
    """A regular expression of the costly routes' paths (a path parameter is one segment; a trailing slash too)."""
    paths = [
        re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(route.path)).replace(r"\/", "/")
        for route in declaration.COSTLY_ROUTES
    ]
    return f"^(?:{'|'.join(paths)})/?$"


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True
    )


def _method_is(method: str) -> dict[str, Any]:
    return {
        "byteMatchStatement": {
            "fieldToMatch": {"method": {}},
            "positionalConstraint": "EXACTLY",
            "searchString": method,
            "textTransformations": [{"priority": 0, "type": "NONE"}],
        }
    }


def _costly_routes() -> dict[str, Any]:
    methods = {route.method for route in declaration.COSTLY_ROUTES}
    if len(methods) != 1:
        raise ValueError("the costly routes' scope-down statement assumes one method for all of them")
    path = {
        "regexMatchStatement": {
            "fieldToMatch": {"uriPath": {}},
            "regexString": costly_path_pattern(),
            "textTransformations": [{"priority": 0, "type": "NONE"}],
        }
    }
    return {"andStatement": {"statements": [_method_is(methods.pop()), path]}}


def _rate_statement(rate: RateLimit) -> dict[str, Any]:
    statement: dict[str, Any] = {"limit": rate.limit, "evaluationWindowSec": rate.window_seconds}
    if rate is PER_IP:
        return {**statement, "aggregateKeyType": "IP"}
    # A request without the header is not counted by this rule (the authorizer refuses it; PER_IP counts it).
    token = {"header": {"name": AUTHORIZATION_HEADER, "textTransformations": [{"priority": 0, "type": "NONE"}]}}
    statement |= {"aggregateKeyType": "CUSTOM_KEYS", "customKeys": [token]}
    if rate is COSTLY_ROUTES_PER_TOKEN:
        statement["scopeDownStatement"] = _costly_routes()
    return statement


def _rate_rule(rate: RateLimit, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    throttled = {"customResponse": {"responseCode": 429, "customResponseBodyKey": THROTTLED_BODY_KEY}}
    return wafv2.CfnWebACL.RuleProperty(
        name=rate.name,
        priority=priority,
        statement={"rateBasedStatement": _rate_statement(rate)},
        action={"block": throttled},
        visibility_config=_visibility(rate.name),
    )


def _managed_rule(group: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    statement: dict[str, Any] = {"vendorName": "AWS", "name": group}
    counted = COUNTED_RULES.get(group, ())
    if counted:
        statement["ruleActionOverrides"] = [{"name": rule, "actionToUse": {"count": {}}} for rule in counted]
    return wafv2.CfnWebACL.RuleProperty(
        name=group,
        priority=priority,
        statement={"managedRuleGroupStatement": statement},
        override_action={"none": {}},
        visibility_config=_visibility(group),
    )


def security_headers(content_security_policy: str | None = None) -> cloudfront.ResponseSecurityHeadersBehavior:
    """HSTS for a year, nosniff, no framing, no referrer; and the given content security policy (the web app's)."""
    csp = (
        None
        if content_security_policy is None
        else cloudfront.ResponseHeadersContentSecurityPolicy(
            content_security_policy=content_security_policy, override=True
        )
    )
    return cloudfront.ResponseSecurityHeadersBehavior(
        strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
            access_control_max_age=Duration.days(365), include_subdomains=True, override=True
        ),
        content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
        frame_options=cloudfront.ResponseHeadersFrameOptions(
            frame_option=cloudfront.HeadersFrameOption.DENY, override=True
        ),
        referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
            referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
        ),
        content_security_policy=csp,
    )


class EdgeFirewall(Construct):
    """The web ACL (CLOUDFRONT scope: create it in us-east-1 only) and its log of what it blocks or counts.
    With ``condition``, every resource here exists only where that condition holds."""

    def __init__(self, scope: Construct, construct_id: str, *, condition: CfnCondition | None = None) -> None:
        super().__init__(scope, construct_id)
        rules = [
            _managed_rule(IP_REPUTATION, 0),
            *(_rate_rule(rate, priority) for priority, rate in enumerate(RATE_LIMITS, start=1)),
            *(_managed_rule(group, priority) for priority, group in enumerate((COMMON, KNOWN_BAD_INPUTS), start=10)),
        ]
        stack = Stack.of(self)
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="CLOUDFRONT",
            default_action={"allow": {}},
            description=f"{stack.stack_name}: managed rule groups and per-client rate limits in front of the API",
            rules=rules,
            custom_response_bodies={
                THROTTLED_BODY_KEY: {
                    "contentType": "APPLICATION_JSON",
                    "content": json.dumps({"detail": THROTTLED_DETAIL}),
                }
            },
            visibility_config=_visibility(f"{stack.stack_name}-edge"),
        )
        # WAF writes to a log group whose name starts with aws-waf-logs-, in the web ACL's region. The log is
        # retained when the stack goes, so the name carries the stack's own id (its last part): a stack deployed
        # again under the same name makes a new log group rather than clash with the old one.
        stack_instance = Fn.select(2, Fn.split("/", Aws.STACK_ID))
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=Fn.join("", [f"aws-waf-logs-{stack.stack_name}-edge-", stack_instance]),
            retention=LOG_RETENTION,
        )
        log_group_arn = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=self.log_group.log_group_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,  # no ":*" suffix: WAF refuses it
        )
        self.logging = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[log_group_arn],
            # Tokens never reach the log; what was allowed is in the stage's access log, so only verdicts are kept.
            redacted_fields=[{"singleHeader": {"Name": AUTHORIZATION_HEADER}}],
            logging_filter={
                "DefaultBehavior": "DROP",
                "Filters": [
                    {
                        "Behavior": "KEEP",
                        "Requirement": "MEETS_ANY",
                        "Conditions": [
                            {"ActionCondition": {"Action": "BLOCK"}},
                            {"ActionCondition": {"Action": "COUNT"}},
                        ],
                    }
                ],
            },
        )
        if condition is not None:
            for resource in (self.web_acl, self.logging, self.log_group.node.default_child):
                resource.cfn_options.condition = condition  # type: ignore[union-attr]


class Edge(Construct):
    """CloudFront in front of the HTTP API: every path and method to the API over HTTPS (but /app and /app/*, which
    ``infra.constructs.web`` adds for the web app), nothing cached, the viewer's request forwarded (but its Host),
    the origin secret header added, security headers on every answer, and the web ACL: this stack's own in
    us-east-1, the companion stack's (``EdgeWebAclArn``) elsewhere."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        http_api: apigwv2.IHttpApi,
        origin_secret: secretsmanager.ISecret,
    ) -> None:
        super().__init__(scope, construct_id)
        self.origin_secret = origin_secret
        stack = Stack.of(self)
        self.web_acl_arn = CfnParameter(
            stack,
            "EdgeWebAclArn",
            type="String",
            default="",
            allowed_pattern=r"^$|^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/[^/]+/[^/]+$",
            constraint_description="empty in us-east-1; elsewhere the WebAclArn output of the edge firewall stack",
            description="Outside us-east-1: the ARN of the CloudFront web ACL of the edge firewall stack "
            "(docs/operations.md, Deploying outside us-east-1); empty in us-east-1, where this stack holds its own",
        )
        in_web_acl_region = CfnCondition(
            self, "InWebAclRegion", expression=Fn.condition_equals(Aws.REGION, WEB_ACL_REGION)
        )
        CfnRule(
            self,
            "WebAclOutsideUsEast1",
            rule_condition=Fn.condition_not(Fn.condition_equals(Aws.REGION, WEB_ACL_REGION)),
            assertions=[
                CfnRuleAssertion(
                    assert_=Fn.condition_not(Fn.condition_equals(self.web_acl_arn.value_as_string, "")),
                    assert_description="Outside us-east-1, deploy the edge firewall stack first and pass its "
                    "WebAclArn output as EdgeWebAclArn (docs/operations.md)",
                )
            ],
        )
        self.firewall = EdgeFirewall(self, "Firewall", condition=in_web_acl_region)
        web_acl_id = Fn.condition_if(
            in_web_acl_region.logical_id, self.firewall.web_acl.attr_arn, self.web_acl_arn.value_as_string
        ).to_string()
        # The API's execute-api host name: https://{id}.execute-api.{region}.{suffix} -> its third part.
        api_domain = Fn.select(2, Fn.split("/", http_api.api_endpoint))
        origin = origins.HttpOrigin(
            api_domain,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
            custom_headers={
                declaration.ORIGIN_VERIFY_HEADER: origin_secret.secret_value_from_json(
                    declaration.ORIGIN_SECRET_FIELD
                ).unsafe_unwrap()  # a {{resolve:secretsmanager:...}} reference: CloudFormation resolves it
            },
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{stack.stack_name} API",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=self._security_headers(),
            ),
            web_acl_id=web_acl_id,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
        )
        self._acknowledge()

    @property
    def url(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}/"

    def _security_headers(self) -> cloudfront.ResponseHeadersPolicy:
        return cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="Security headers on every answer of the API",
            security_headers_behavior=security_headers(),
        )

    def _acknowledge(self) -> None:
        distribution = self.distribution
        acknowledge(
            distribution,
            "AwsSolutions-CFR1",
            "No country is excluded: Goalpost's users may sign in from anywhere. The web ACL filters by reputation "
            "and rate instead; a geo match rule goes into the web ACL if a market ever requires one.",
        )
        acknowledge(
            distribution,
            "AwsSolutions-CFR3",
            "No CloudFront standard logs: each request that reaches the API is in the stage's access log (route, "
            "status, latency, sub) and each request the web ACL blocks or counts is in the WAF log with its client "
            "IP; standard logs would add an S3 bucket with ACLs repeating a line per request. The client IP of an "
            "allowed request is therefore not kept (docs/security.md, Edge).",
        )
        acknowledge(
            distribution,
            "AwsSolutions-CFR4",
            "The distribution answers on CloudFront's own *.cloudfront.net certificate, whose viewer security policy "
            "CloudFront fixes (TLSv1 and up); a minimum of TLSv1.2_2021 needs a custom domain with an ACM "
            "certificate, which comes with the web app's domain. The origin leg is TLSv1.2 only.",
        )
