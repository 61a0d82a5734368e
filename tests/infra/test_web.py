"""The web app, deployed: a private bucket read by the API's distribution through Origin Access Control, the /app
behaviours with their SPA fallback function and security headers, the upload of web/dist with config.json, and the
app's URLs registered with the Cognito app client."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, assertions
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins

from goalpost import declaration
from infra.constructs.auth import DEFAULT_CALLBACK_URLS, DEFAULT_LOGOUT_URLS, Auth
from infra.constructs.web import ASSETS_CACHE_CONTROL, ENTRY_CACHE_CONTROL, WebApp
from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
APP_PATTERNS = ("/app", "/app/*")


def _one(synth: Synth, type_: str) -> tuple[str, dict[str, Any]]:
    found = synth.resources(type_)
    assert len(found) == 1, (type_, list(found))
    return next(iter(found.items()))


def _distribution(synth: Synth) -> tuple[str, dict[str, Any]]:
    distribution_id, distribution = _one(synth, "AWS::CloudFront::Distribution")
    return distribution_id, distribution["Properties"]["DistributionConfig"]


def _app_behaviours(synth: Synth) -> dict[str, dict[str, Any]]:
    behaviours = {behaviour["PathPattern"]: behaviour for behaviour in _distribution(synth)[1]["CacheBehaviors"]}
    assert set(behaviours) == set(APP_PATTERNS)
    return behaviours


def _bucket_id(synth: Synth) -> str:
    return synth.logical_id(synth.stack.web.bucket)


def _resolve(value: Any, names: dict[str, str]) -> str:
    """A template string (a literal or an Fn::Join of literals and Refs/GetAtts) with each reference written as
    ``<logical id>`` (``names`` may give a reference a readable name instead)."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_resolve(part, names) for part in parts)
    (ref,) = Synth.refs(value)
    return names.get(ref, f"<{ref}>")


def _names(synth: Synth) -> dict[str, str]:
    return {
        _distribution(synth)[0]: "d123.cloudfront.net",
        _one(synth, "AWS::Cognito::UserPoolDomain")[0]: "goalpost-prefix",
        "AWS::Region": "eu-west-1",
        _one(synth, "AWS::Cognito::UserPoolClient")[0]: "client-id",
    }


def test_the_bucket_is_private_encrypted_and_no_website(synth: Synth) -> None:
    bucket = synth.json["Resources"][_bucket_id(synth)]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert "WebsiteConfiguration" not in bucket
    # The stack's deletion_protection (true in cdk.json) keeps the bucket with the stack's data.
    assert synth.json["Resources"][_bucket_id(synth)]["DeletionPolicy"] == "Retain"


def test_only_the_distribution_may_read_the_bucket_and_only_over_tls(synth: Synth) -> None:
    distribution_id, _ = _distribution(synth)
    (policy,) = (
        p["Properties"]
        for p in synth.resources("AWS::S3::BucketPolicy").values()
        if synth.refs(p["Properties"]["Bucket"]) == {_bucket_id(synth)}
    )
    statements = policy["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    denies = [s for s in statements if s["Effect"] == "Deny"]
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert synth.refs(allow["Condition"]["StringEquals"]["AWS:SourceArn"]) >= {distribution_id}
    (deny,) = denies
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_app_behaviours_read_the_bucket_through_origin_access_control(synth: Synth) -> None:
    _, config = _distribution(synth)
    origins_by_id = {origin["Id"]: origin for origin in config["Origins"]}
    (target,) = {behaviour["TargetOriginId"] for behaviour in _app_behaviours(synth).values()}
    origin = origins_by_id[target]
    assert synth.refs(origin["DomainName"]) == {_bucket_id(synth)}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    oac_id, oac = _one(synth, "AWS::CloudFront::OriginAccessControl")
    assert synth.refs(origin["OriginAccessControlId"]) == {oac_id}
    oac_config = oac["Properties"]["OriginAccessControlConfig"]
    assert oac_config["OriginAccessControlOriginType"] == "s3"
    assert oac_config["SigningBehavior"] == "always"
    assert oac_config["SigningProtocol"] == "sigv4"
    # The API keeps the default behaviour, its origin, and its own headers policy.
    assert config["DefaultCacheBehavior"]["TargetOriginId"] != target
    assert "FunctionAssociations" not in config["DefaultCacheBehavior"]


def test_the_app_behaviours_redirect_to_https_and_cache_by_object_metadata(synth: Synth) -> None:
    for pattern, behaviour in _app_behaviours(synth).items():
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https", pattern
        assert behaviour["AllowedMethods"] == ["GET", "HEAD"], pattern
        assert behaviour["CachePolicyId"] == CACHING_OPTIMIZED, pattern  # honours each object's Cache-Control
        assert behaviour["Compress"] is True, pattern
        assert "OriginRequestPolicyId" not in behaviour, pattern  # S3 signs for its own Host


def test_the_spa_fallback_runs_on_the_viewer_request_of_the_app_behaviours_only(synth: Synth) -> None:
    function_id, function = _one(synth, "AWS::CloudFront::Function")
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    for pattern, behaviour in _app_behaviours(synth).items():
        (association,) = behaviour["FunctionAssociations"]
        assert association["EventType"] == "viewer-request", pattern
        assert synth.refs(association["FunctionARN"]) == {function_id}, pattern


SPA_CASES = [
    ("/app", {"redirect": "/app/"}),
    ("/app/", {"uri": "/app/index.html"}),
    ("/app/goals", {"uri": "/app/index.html"}),
    ("/app/goals/01HZX3ABCDEF", {"uri": "/app/index.html"}),
    ("/app/callback", {"uri": "/app/index.html"}),
    ("/app/index.html", {"uri": "/app/index.html"}),
    ("/app/config.json", {"uri": "/app/config.json"}),
    ("/app/assets/index-1a2b3c.js", {"uri": "/app/assets/index-1a2b3c.js"}),
    ("/app/assets/index-1a2b3c.css", {"uri": "/app/assets/index-1a2b3c.css"}),
]


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront function's code")
def test_the_spa_fallback_serves_index_html_for_app_pages_and_files_as_they_are(synth: Synth) -> None:
    """The function's code as deployed (from the template), run by Node on CloudFront's event shape."""
    _, function = _one(synth, "AWS::CloudFront::Function")
    code = function["Properties"]["FunctionCode"]
    events = [{"request": {"uri": uri, "method": "GET", "querystring": {}, "headers": {}}} for uri, _ in SPA_CASES]
    script = f"{code}\nconsole.log(JSON.stringify({json.dumps(events)}.map(handler)));"
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60, check=True)
    answers = json.loads(result.stdout)
    for (uri, expected), answer in zip(SPA_CASES, answers, strict=True):
        if "redirect" in expected:
            assert answer["statusCode"] == 301, uri
            assert answer["headers"]["location"]["value"] == expected["redirect"], uri
        else:
            assert "statusCode" not in answer, uri
            assert answer["uri"] == expected["uri"], uri


def _headers_policy(synth: Synth) -> dict[str, Any]:
    (policy_id,) = {synth.refs(b["ResponseHeadersPolicyId"]).pop() for b in _app_behaviours(synth).values()}
    assert synth.refs(_distribution(synth)[1]["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]) != {policy_id}
    config: dict[str, Any] = synth.json["Resources"][policy_id]["Properties"]["ResponseHeadersPolicyConfig"]
    return config


def test_the_app_answers_with_its_content_security_policy(synth: Synth) -> None:
    csp = _headers_policy(synth)["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    assert csp["Override"] is True
    login = "https://goalpost-prefix.auth.eu-west-1.amazoncognito.com"
    directives = dict(
        directive.split(" ", 1) for directive in _resolve(csp["ContentSecurityPolicy"], _names(synth)).split("; ")
    )
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": f"'self' {login}",  # the token endpoint
        "frame-ancestors": "'none'",
        "base-uri": "'self'",
        "form-action": f"'self' {login}",
        "object-src": "'none'",
    }


def test_the_app_answers_with_the_security_headers(synth: Synth) -> None:
    headers = _headers_policy(synth)["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"


def _deployments(synth: Synth) -> dict[str, dict[str, Any]]:
    """The BucketDeployments by what they upload: the hashed assets, and the entry (index.html, config.json)."""
    found = [d["Properties"] for d in synth.resources("Custom::CDKBucketDeployment").values()]
    assert len(found) == 2
    return {"assets" if d.get("Include") == ["assets/*"] else "entry": d for d in found}


def test_the_build_is_uploaded_under_app_with_prune_and_its_cache_control(synth: Synth) -> None:
    deployments = _deployments(synth)
    for deployment in deployments.values():
        assert synth.refs(deployment["DestinationBucketName"]) == {_bucket_id(synth)}
        assert deployment["DestinationBucketKeyPrefix"] == "app/"
        assert deployment["Prune"] is True
    assets, entry = deployments["assets"], deployments["entry"]
    # Each prunes only its own files: the filters keep the other's files out of its sync.
    assert assets["Exclude"] == ["*"]
    assert entry["Exclude"] == ["assets/*"]
    assert assets["SystemMetadata"] == {"cache-control": ASSETS_CACHE_CONTROL}
    assert entry["SystemMetadata"] == {"cache-control": ENTRY_CACHE_CONTROL}
    assert ASSETS_CACHE_CONTROL == "public, max-age=31536000, immutable"
    assert ENTRY_CACHE_CONTROL == "no-cache"
    # The entry goes last (its index.html names the assets) and empties the edge caches of the app.
    (entry_id,) = (k for k, d in synth.resources("Custom::CDKBucketDeployment").items() if d["Properties"] is entry)
    (assets_id,) = (k for k, d in synth.resources("Custom::CDKBucketDeployment").items() if d["Properties"] is assets)
    assert assets_id in synth.json["Resources"][entry_id]["DependsOn"]
    assert synth.refs(entry["DistributionId"]) == {_distribution(synth)[0]}
    assert entry["DistributionPaths"] == ["/app/*"]
    assert "DistributionId" not in assets


def _asset_dir(synth: Synth, key: str) -> Path:
    return synth.outdir / f"asset.{key.removesuffix('.zip')}"


def test_the_upload_is_the_built_app_without_the_build_stamp(synth: Synth) -> None:
    (built,) = {key for d in _deployments(synth).values() for key in d["SourceObjectKeys"][:1]}
    files = {path.relative_to(_asset_dir(synth, built)).as_posix() for path in _asset_dir(synth, built).rglob("*")}
    assert "index.html" in files
    assert any(name.startswith("assets/") and name.endswith(".js") for name in files)
    assert ".goalpost-built" not in files


def test_config_json_points_the_app_at_this_stack(synth: Synth) -> None:
    entry = _deployments(synth)["entry"]
    (config_key,) = entry["SourceObjectKeys"][1:]
    text = (_asset_dir(synth, config_key) / "config.json").read_text(encoding="utf-8")
    for marker, value in entry["SourceMarkers"][1].items():
        text = text.replace(marker, _resolve(value, _names(synth)))
    login = "https://goalpost-prefix.auth.eu-west-1.amazoncognito.com"
    assert json.loads(text) == {
        "api_url": "https://d123.cloudfront.net",
        "auth": {
            "authorize_url": f"{login}/oauth2/authorize",
            "token_url": f"{login}/oauth2/token",
            "logout_url": f"{login}/logout",
            "client_id": "client-id",
            "scope": f"openid email {declaration.API_SCOPE}",
            "redirect_uri": "https://d123.cloudfront.net/app/callback",
        },
    }


def test_the_app_client_accepts_the_deployed_app_and_the_contexts_urls(synth: Synth) -> None:
    (client,) = synth.resources("AWS::Cognito::UserPoolClient").values()
    names = _names(synth)
    props = client["Properties"]
    callbacks = [_resolve(url, names) for url in props["CallbackURLs"]]
    logouts = [_resolve(url, names) for url in props["LogoutURLs"]]
    assert callbacks == ["https://d123.cloudfront.net/app/callback", *DEFAULT_CALLBACK_URLS]
    assert logouts == ["https://d123.cloudfront.net/app/", *DEFAULT_LOGOUT_URLS]


def test_the_web_app_url_is_an_output(synth: Synth) -> None:
    output = synth.json["Outputs"]["WebAppUrl"]
    assert _resolve(output["Value"], _names(synth)) == "https://d123.cloudfront.net/app/"


def test_the_upload_needs_no_docker(synth: Synth) -> None:
    manifest = json.loads((synth.outdir / f"{synth.stack.artifact_id}.assets.json").read_text(encoding="utf-8"))
    assert manifest.get("dockerImages", {}) == {}


def test_the_deployment_provider_logs_to_its_own_group_with_its_one_layer(synth: Synth) -> None:
    handler = synth.json["Resources"][synth.logical_id(synth.stack.web.deployment_handler)]["Properties"]
    (layer,) = handler["Layers"]
    layers = synth.resources("AWS::Lambda::LayerVersion")
    assert synth.refs(layer) <= set(layers)
    # One AWS CLI layer for the two deployments (they share the CDK's singleton provider).
    assert len([lid for lid in layers if "AwsCliLayer" in lid]) == 1
    (log_group_id,) = synth.refs(handler["LoggingConfig"]["LogGroup"])
    assert "RetentionInDays" in synth.json["Resources"][log_group_id]["Properties"]
    role = synth.json["Resources"][synth.refs(handler["Role"]).pop()]["Properties"]
    assert "ManagedPolicyArns" not in role


def _web_only(tmp_path: Path, *, deletion_protection: bool) -> dict[str, Any]:
    """The WebApp construct alone (with Auth and a distribution), over a stand-in build: cheaper than the app."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html>", encoding="utf-8")
    stack = Stack(App(), "WebOnly")
    auth = Auth(stack, "Auth", deletion_protection=False)
    distribution = cloudfront.Distribution(
        stack, "Distribution", default_behavior=cloudfront.BehaviorOptions(origin=origins.HttpOrigin("example.com"))
    )
    WebApp(stack, "Web", distribution=distribution, auth=auth, dist=tmp_path, deletion_protection=deletion_protection)
    return dict(assertions.Template.from_stack(stack).to_json())


def test_without_deletion_protection_the_bucket_and_its_files_go_with_the_stack(tmp_path: Path) -> None:
    template = _web_only(tmp_path, deletion_protection=False)
    (bucket,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket")
    assert bucket["DeletionPolicy"] == "Delete"
    assert any(r["Type"] == "Custom::S3AutoDeleteObjects" for r in template["Resources"].values())


def test_with_deletion_protection_the_bucket_stays_with_its_files(tmp_path: Path) -> None:
    template = _web_only(tmp_path, deletion_protection=True)
    (bucket,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket")
    assert bucket["DeletionPolicy"] == "Retain"
    assert not any(r["Type"] == "Custom::S3AutoDeleteObjects" for r in template["Resources"].values())
