"""The edge: CloudFront in front of the HTTP API, AWS WAF on it, the API reachable only through it.

The WebACL's scope is CLOUDFRONT, which exists in us-east-1 only. The main stack stays environment-agnostic: it
holds the WebACL under a condition on its region, and outside us-east-1 takes the ARN of the WebACL of the
companion stack (``EdgeFirewallStack``, pinned to us-east-1) as a parameter, which a rule makes mandatory there."""

from __future__ import annotations

import json
import re
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk import assertions
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from goalpost import declaration
from infra.constructs.edge import (
    COSTLY_ROUTES_PER_TOKEN,
    MANAGED_RULE_GROUPS,
    PER_IP,
    PER_TOKEN,
    costly_path_pattern,
)
from tests.infra.conftest import TEST_CONTEXT

if TYPE_CHECKING:
    from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra


def _one(synth: Synth, type_: str) -> tuple[str, dict[str, Any]]:
    found = synth.resources(type_)
    assert len(found) == 1, (type_, list(found))
    return next(iter(found.items()))


def _distribution(synth: Synth) -> dict[str, Any]:
    config: dict[str, Any] = _one(synth, "AWS::CloudFront::Distribution")[1]["Properties"]["DistributionConfig"]
    return config


def _web_acl(synth: Synth) -> tuple[str, dict[str, Any]]:
    return _one(synth, "AWS::WAFv2::WebACL")


def _rules(synth: Synth) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in _web_acl(synth)[1]["Properties"]["Rules"]}


def _api_origin(config: dict[str, Any]) -> dict[str, Any]:
    """The default behaviour's origin: the API (the web app's bucket is the other, tests/infra/test_web.py)."""
    (origin,) = (o for o in config["Origins"] if o["Id"] == config["DefaultCacheBehavior"]["TargetOriginId"])
    return origin


def test_the_distribution_sends_every_path_but_the_app_to_the_api_over_https(synth: Synth) -> None:
    config = _distribution(synth)
    origin = _api_origin(config)
    # The HTTP API's execute-api domain, from the API itself; no origin path: the same paths as the API.
    assert synth.logical_id(synth.stack.api.http_api) in synth.refs(origin["DomainName"])
    assert "OriginPath" not in origin or origin["OriginPath"] == ""
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "https-only"
    assert set(behaviour["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    # Every other path is the API's: only the web app's /app and /app/* go elsewhere.
    assert {behaviour["PathPattern"] for behaviour in config["CacheBehaviors"]} == {"/app", "/app/*"}


def test_nothing_is_cached_and_the_viewer_request_is_forwarded_but_its_host(synth: Synth) -> None:
    behaviour = _distribution(synth)["DefaultCacheBehavior"]
    # The managed policies: CachingDisabled, AllViewerExceptHostHeader (API Gateway answers 403 to a foreign Host).
    assert behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    assert behaviour["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    assert "ResponseHeadersPolicyId" in behaviour


def test_security_headers_are_added_to_every_answer(synth: Synth) -> None:
    policy_id = _distribution(synth)["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]["Ref"]
    policy = synth.json["Resources"][policy_id]
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"


def test_the_origin_request_carries_the_generated_secret(synth: Synth) -> None:
    origin = _api_origin(_distribution(synth))
    headers = {header["HeaderName"].lower(): header["HeaderValue"] for header in origin["OriginCustomHeaders"]}
    value = headers[declaration.ORIGIN_VERIFY_HEADER]
    # A dynamic reference resolved by CloudFormation at deploy time: the value is never in the template.
    joined = value["Fn::Join"][1]
    assert joined[0] == "{{resolve:secretsmanager:"
    secret_id = synth.logical_id(synth.stack.edge.origin_secret)
    assert synth.refs(joined) == {secret_id}
    secret = synth.json["Resources"][secret_id]["Properties"]
    assert "GenerateSecretString" in secret
    assert "SecretString" not in secret


def test_every_api_function_checks_the_origin_secret_and_may_read_only_it(synth: Synth) -> None:
    secret_id = synth.logical_id(synth.stack.edge.origin_secret)
    functions = synth.resources("AWS::Lambda::Function")
    for spec in declaration.ALL_FUNCTIONS:
        function = functions[synth.logical_id(synth.stack.functions.by_name[spec.name])]
        environment = function["Properties"]["Environment"]["Variables"]
        if spec in declaration.API_FUNCTIONS:
            assert synth.refs(environment[declaration.ORIGIN_SECRET_ENV]) == {secret_id}, spec.name
        else:
            assert declaration.ORIGIN_SECRET_ENV not in environment, spec.name
    readers = {
        logical_id
        for logical_id, policy in synth.resources("AWS::IAM::Policy").items()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if secret_id in synth.refs(statement["Resource"])
    }
    assert len(readers) == len(declaration.API_FUNCTIONS)


def test_the_web_acl_guards_the_distribution(synth: Synth) -> None:
    web_acl_id, web_acl = _web_acl(synth)
    properties = web_acl["Properties"]
    assert properties["Scope"] == "CLOUDFRONT"
    assert properties["DefaultAction"] == {"Allow": {}}
    visibility = properties["VisibilityConfig"]
    assert visibility["CloudWatchMetricsEnabled"] is True
    assert visibility["SampledRequestsEnabled"] is True
    association = _distribution(synth)["WebACLId"]
    # In us-east-1 the stack's own WebACL; elsewhere the companion stack's, given as the EdgeWebAclArn parameter.
    condition, here, elsewhere = association["Fn::If"]
    assert here == {"Fn::GetAtt": [web_acl_id, "Arn"]}
    assert elsewhere == {"Ref": "EdgeWebAclArn"}
    assert web_acl["Condition"] == condition
    assert synth.json["Conditions"][condition] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}


def test_outside_us_east_1_the_companion_web_acl_is_required(synth: Synth) -> None:
    parameter = synth.json["Parameters"]["EdgeWebAclArn"]
    assert re.fullmatch(parameter["AllowedPattern"], "")
    assert re.fullmatch(
        parameter["AllowedPattern"], "arn:aws:wafv2:us-east-1:123456789012:global/webacl/goalpost-edge/abc-123"
    )
    assert not re.fullmatch(parameter["AllowedPattern"], "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/y")
    (rule,) = (rule for name, rule in synth.json["Rules"].items() if name.startswith("EdgeWebAclOutsideUsEast1"))
    assert rule["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}]}
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "EdgeWebAclArn"}, ""]}]}


def test_the_managed_rule_groups_run_first_with_the_body_size_rule_counted(synth: Synth) -> None:
    rules = _rules(synth)
    groups = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]: rule
        for rule in rules.values()
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert set(groups) == set(MANAGED_RULE_GROUPS)
    assert set(groups) == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    for rule in groups.values():
        assert rule["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
        assert rule["OverrideAction"] == {"None": {}}
        assert rule["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
    # Bodies up to the API's 64 KiB pass the edge: the API answers 413 past that, the 8 KB rule only counts.
    overrides = groups["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"]
    assert overrides == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]


def _rate(rule: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = rule["Statement"]["RateBasedStatement"]
    return statement


def _answers_429(synth: Synth, rule: dict[str, Any]) -> None:
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    body = _web_acl(synth)[1]["Properties"]["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    assert '"detail"' in body["Content"]


def test_each_client_ip_has_its_own_rate_limit(synth: Synth) -> None:
    rule = _rules(synth)[PER_IP.name]
    rate = _rate(rule)
    assert rate["AggregateKeyType"] == "IP"
    assert rate["Limit"] == PER_IP.limit
    assert rate["EvaluationWindowSec"] == PER_IP.window_seconds
    assert "ScopeDownStatement" not in rate
    _answers_429(synth, rule)


def _authorization_key(rate: dict[str, Any]) -> None:
    assert rate["AggregateKeyType"] == "CUSTOM_KEYS"
    (key,) = rate["CustomKeys"]
    assert key["Header"]["Name"] == "authorization"
    assert key["Header"]["TextTransformations"] == [{"Priority": 0, "Type": "NONE"}]


def test_each_bearer_token_has_its_own_rate_limit(synth: Synth) -> None:
    """A Cognito access token belongs to one ``sub``: this is the per-user budget (docs/security.md, Edge)."""
    rule = _rules(synth)[PER_TOKEN.name]
    rate = _rate(rule)
    _authorization_key(rate)
    assert rate["Limit"] == PER_TOKEN.limit
    assert "ScopeDownStatement" not in rate
    assert PER_TOKEN.limit / PER_TOKEN.window_seconds < PER_IP.limit / PER_IP.window_seconds
    _answers_429(synth, rule)


def test_the_costly_routes_have_a_tighter_limit_per_token(synth: Synth) -> None:
    rule = _rules(synth)[COSTLY_ROUTES_PER_TOKEN.name]
    rate = _rate(rule)
    _authorization_key(rate)
    assert rate["Limit"] == COSTLY_ROUTES_PER_TOKEN.limit
    per_second = COSTLY_ROUTES_PER_TOKEN.limit / COSTLY_ROUTES_PER_TOKEN.window_seconds
    assert per_second < PER_TOKEN.limit / PER_TOKEN.window_seconds
    method, path = rate["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert method["ByteMatchStatement"]["FieldToMatch"] == {"Method": {}}
    assert method["ByteMatchStatement"]["SearchString"] == "POST"
    assert method["ByteMatchStatement"]["PositionalConstraint"] == "EXACTLY"
    assert path["RegexMatchStatement"]["FieldToMatch"] == {"UriPath": {}}
    pattern = re.compile(path["RegexMatchStatement"]["RegexString"])
    assert pattern.pattern == costly_path_pattern()
    for costly in ("/prices/refresh", "/accounts/01HZX3/sync", "/prices/refresh/"):
        assert pattern.search(costly), costly
    for cheap in ("/prices", "/prices/BTCUSDT", "/accounts/01HZX3", "/accounts/01HZX3/sync/x", "/x/prices/refresh"):
        assert not pattern.search(cheap), cheap
    _answers_429(synth, rule)


def test_rules_are_ordered_cheapest_verdict_first(synth: Synth) -> None:
    rules = sorted(_web_acl(synth)[1]["Properties"]["Rules"], key=lambda rule: rule["Priority"])
    names = [rule["Name"] for rule in rules]
    # The IP reputation list first (it blocks before anything counts), the rate rules before the content rules.
    assert names[0] == "AWSManagedRulesAmazonIpReputationList"
    assert names.index(PER_IP.name) < names.index("AWSManagedRulesCommonRuleSet")
    assert len({rule["Priority"] for rule in rules}) == len(rules)
    for rule in rules:
        assert rule["VisibilityConfig"]["SampledRequestsEnabled"] is True


def test_the_web_acl_logs_what_it_blocks_or_counts_without_tokens(synth: Synth) -> None:
    web_acl_id, _ = _web_acl(synth)
    _, logging = _one(synth, "AWS::WAFv2::LoggingConfiguration")
    assert synth.refs(logging["Properties"]["ResourceArn"]) == {web_acl_id}
    assert {"SingleHeader": {"Name": "authorization"}} in logging["Properties"]["RedactedFields"]
    (log_group_id,) = {ref for ref in synth.refs(logging["Properties"]["LogDestinationConfigs"]) if "::" not in ref}
    log_group = synth.json["Resources"][log_group_id]
    assert log_group["Condition"] == logging["Condition"]
    assert "RetentionInDays" in log_group["Properties"]


def test_cors_allows_no_other_origin_by_default(synth: Synth) -> None:
    (api,) = synth.resources("AWS::ApiGatewayV2::Api").values()
    assert "CorsConfiguration" not in api["Properties"]


def test_cors_allows_the_configured_origins_only(app_module: ModuleType, tmp_path: Any) -> None:
    context = {**TEST_CONTEXT, "cors_allow_origins": "https://app.example.com, https://admin.example.com"}
    _, stack = app_module.create_app(context=context, outdir=str(tmp_path))
    (api,) = assertions.Template.from_stack(stack).find_resources("AWS::ApiGatewayV2::Api").values()
    cors = api["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == ["https://app.example.com", "https://admin.example.com"]
    assert set(cors["AllowHeaders"]) == set(declaration.CORS_ALLOW_HEADERS)


@pytest.mark.parametrize("origins", ["*", "https://app.example.com,*", "http://*.example.com"])
def test_a_wildcard_cors_origin_is_refused_at_synth(app_module: ModuleType, tmp_path: Any, origins: str) -> None:
    with pytest.raises(ValueError, match="cors_allow_origins"):
        app_module.create_app(context={**TEST_CONTEXT, "cors_allow_origins": origins}, outdir=str(tmp_path))


def test_the_api_url_output_is_the_distribution(synth: Synth) -> None:
    (distribution_id,) = synth.resources("AWS::CloudFront::Distribution")
    url = synth.json["Outputs"]["ApiUrl"]["Value"]
    assert synth.refs(url) == {distribution_id}
    assert url["Fn::Join"][1][0] == "https://"


def test_the_stage_throttle_stays_a_backstop_above_the_per_client_limits(synth: Synth) -> None:
    """WAF limits each client; the stage limit protects the functions and tables from all clients together,
    so it must leave room for many clients at their own limit at once."""
    per_client = PER_TOKEN.limit / PER_TOKEN.window_seconds
    assert 20 * per_client <= declaration.THROTTLE_RATE_PER_SECOND
    (stage,) = synth.resources("AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["DefaultRouteSettings"]["ThrottlingRateLimit"] == declaration.THROTTLE_RATE_PER_SECOND


def test_the_companion_stack_holds_the_same_web_acl_in_us_east_1(app_module: ModuleType, tmp_path: Any) -> None:
    app, stack = app_module.create_app(context={**TEST_CONTEXT, "edge_firewall_stack": True}, outdir=str(tmp_path))
    companion = app.node.find_child(f"{stack.stack_name}EdgeFirewall")
    assert companion.region == "us-east-1"
    template = assertions.Template.from_stack(companion).to_json()
    (web_acl,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::WAFv2::WebACL")
    assert "Condition" not in web_acl
    assert {rule["Name"] for rule in web_acl["Properties"]["Rules"]} >= {PER_IP.name, PER_TOKEN.name}
    assert "WebAclArn" in template["Outputs"]
    app.synth()
    for pack in (AwsSolutionsChecks, ServerlessChecks):
        report = pack().validate_scope(companion)
        assert [violation.rule_name for violation in report.violations] == []


def test_the_waf_log_group_name_is_unique_to_each_stack_instance(synth: Synth) -> None:
    """The log group outlives a deleted stack (retained, like every log): a fixed name would clash with it when
    a stack of the same name is deployed again."""
    _, logging = _one(synth, "AWS::WAFv2::LoggingConfiguration")
    (log_group_id,) = {ref for ref in synth.refs(logging["Properties"]["LogDestinationConfigs"]) if "::" not in ref}
    name = synth.json["Resources"][log_group_id]["Properties"]["LogGroupName"]
    assert "AWS::StackId" in json.dumps(name)
    assert json.dumps(name).startswith('{"Fn::Join": ["", ["aws-waf-logs-')
