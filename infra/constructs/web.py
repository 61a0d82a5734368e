"""The web app: its built files in a private S3 bucket, served under /app/ by the API's CloudFront distribution.

CloudFront reads the bucket through Origin Access Control (the bucket policy allows that distribution only); a
CloudFront Function gives every extension-less path under /app/ the app's index.html, so a deep link loads the app
while the API's own 403/404 answers stay as they are. The stack uploads web/dist (built by ``infra.dev.web``, no
Docker) and writes /app/config.json from its own resources (docs/web.md, docs/operations.md "Web app")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import acknowledge, logical_id, provider_identity
from infra.constructs.auth import Auth
from infra.constructs.edge import security_headers

APP_PATH = "/app"
APP_PREFIX = "app/"
# Vite names every file under assets/ after its content: a changed file is a new name, so it may be kept forever.
ASSETS_FOLDER = "assets"
ASSETS_CACHE_CONTROL = "public, max-age=31536000, immutable"
# index.html and config.json name the current assets and settings: revalidated on every load (cheap: ETag).
ENTRY_CACHE_CONTROL = "no-cache"
CONFIG_FILE = "config.json"
CALLBACK_PATH = f"{APP_PATH}/callback"
# What the build leaves beside the app (infra.dev.web's stamp): never uploaded.
NOT_UPLOADED = (".goalpost-built",)
SCOPE = f"openid email {declaration.API_SCOPE}"
DEPLOYMENT_MEMORY_MB = 256
# The construct ids the CDK gives a BucketDeployment's AWS CLI layer and (in the stack) its provider function.
AWS_CLI_LAYER_ID = "AwsCliLayer"
DEPLOYMENT_HANDLER_ID = "Custom::CDKBucketDeployment"
# The wildcards the CDK's BucketDeployment grants its provider (with the web bucket's objects, named by logical id).
DEPLOYMENT_WILDCARDS = (
    "Action::s3:GetBucket*",
    "Action::s3:GetObject*",
    "Action::s3:List*",
    "Action::s3:Abort*",
    "Action::s3:DeleteObject*",
    "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
    "Resource::*",  # cloudfront:CreateInvalidation and GetInvalidation
)

# cloudfront-js-2.0, on the viewer request of /app and /app/*. A path whose last segment has no dot is a page of
# the app (/app/, /app/goals/abc): the app's index.html answers it and the app's router reads the address. A file
# (/app/assets/index-1a2b.js, /app/config.json) is fetched as is. /app itself is sent to /app/ so that relative
# URLs resolve under the app.
SPA_FALLBACK_CODE = """function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === "/app") {
    return {
      statusCode: 301,
      statusDescription: "Moved Permanently",
      headers: { location: { value: "/app/" }, "cache-control": { value: "max-age=3600" } },
    };
  }
  var last = uri.substring(uri.lastIndexOf("/") + 1);
  if (last.indexOf(".") === -1) {
    request.uri = "/app/index.html";
  }
  return request;
}
"""


def content_security_policy(login_origin: str) -> str:
    """Only the app's own files and API; the token endpoint (fetched) and the authorize page (a form target on
    sign-out) are on managed login's origin."""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": f"'self' {login_origin}",
        "frame-ancestors": "'none'",
        "base-uri": "'self'",
        "form-action": f"'self' {login_origin}",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class WebApp(Construct):
    """The bucket, the /app and /app/* behaviours of ``distribution`` (with the SPA fallback function and the app's
    security headers), the upload of ``dist`` and the config.json the app starts from. Also registers the app's
    URLs with the Cognito app client."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        distribution: cloudfront.Distribution,
        auth: Auth,
        dist: Path,
        deletion_protection: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.distribution = distribution
        # The app's origin is the API's: the app calls the API without CORS, and shares its certificate and web ACL.
        self.origin_url = f"https://{distribution.distribution_domain_name}"
        self.url = f"{self.origin_url}{APP_PATH}/"
        self.callback_url = f"{self.origin_url}{CALLBACK_PATH}"
        auth.allow_web_app(callback_url=self.callback_url, logout_url=self.url)

        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,  # CloudFront reads SSE-S3 objects without a key grant
            enforce_ssl=True,
            # No versions: every file is rebuilt from the repository, and a deployment puts the whole app back.
            versioned=False,
            # The files are the build's, not data: with deletion protection off they go with the stack.
            removal_policy=RemovalPolicy.RETAIN if deletion_protection else RemovalPolicy.DESTROY,
            auto_delete_objects=not deletion_protection,
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "The bucket holds only the web app's build, written by the stack's deployment and read by CloudFront "
            "through Origin Access Control; no one else may read or write it. Reads are the distribution's requests "
            "(the WAF log holds blocked and counted ones); server access logs would need a second bucket logging "
            "CloudFront's own fetches.",
        )
        self._add_behaviours(auth)
        self._deploy(dist, auth)

    def _add_behaviours(self, auth: Auth) -> None:
        spa_fallback = cloudfront.Function(
            self,
            "SpaFallback",
            comment="Goalpost web app: /app -> /app/, an app page -> /app/index.html",
            code=cloudfront.FunctionCode.from_inline(SPA_FALLBACK_CODE),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="Security headers of the web app, with its content security policy",
            security_headers_behavior=security_headers(content_security_policy(auth.domain.base_url())),
        )
        origin = origins.S3BucketOrigin.with_origin_access_control(self.bucket)
        function = cloudfront.FunctionAssociation(
            function=spa_fallback, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
        )
        # Two behaviours, one origin: /app/* does not match /app itself, which must reach the redirect.
        for pattern in (APP_PATH, f"{APP_PATH}/*"):
            self.distribution.add_behavior(
                pattern,
                origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
                # Keyed on the path alone, honouring each object's Cache-Control (at least 1 s, at most a year).
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                compress=True,
                response_headers_policy=headers,
                function_associations=[function],
            )

    def _config(self, auth: Auth) -> dict[str, object]:
        """config.json (docs/web.md): the API on the same origin as the app, managed login for sign-in."""
        login = auth.domain.base_url()
        return {
            "api_url": self.origin_url,
            "auth": {
                "authorize_url": f"{login}/oauth2/authorize",
                "token_url": f"{login}/oauth2/token",
                "logout_url": f"{login}/logout",
                "client_id": auth.client.user_pool_client_id,
                "scope": SCOPE,
                "redirect_uri": self.callback_url,
            },
        }

    def _deploy(self, dist: Path, auth: Auth) -> None:
        role, log_group = provider_identity(
            self, "Deployment", description="Goalpost: copies the web app's build into its bucket on deployment"
        )
        self.deployment_role = role
        built = s3deploy.Source.asset(str(dist), exclude=list(NOT_UPLOADED))

        def deployment(construct_id: str, sources: list[s3deploy.ISource], **options: Any) -> s3deploy.BucketDeployment:
            return s3deploy.BucketDeployment(
                self,
                construct_id,
                sources=sources,
                destination_bucket=self.bucket,
                destination_key_prefix=APP_PREFIX,
                prune=True,
                role=role,
                log_group=log_group,
                memory_limit=DEPLOYMENT_MEMORY_MB,
                **options,
            )

        # The assets first, so that the index.html naming them never arrives before them. Each deployment prunes
        # only its own files: the exclude filters keep the other's out of its sync, deletions included.
        assets = deployment(
            "Assets",
            [built],
            exclude=["*"],
            include=[f"{ASSETS_FOLDER}/*"],
            cache_control=[s3deploy.CacheControl.from_string(ASSETS_CACHE_CONTROL)],
        )
        self.entry = deployment(
            "Entry",
            [built, s3deploy.Source.json_data(CONFIG_FILE, self._config(auth))],
            exclude=[f"{ASSETS_FOLDER}/*"],
            cache_control=[s3deploy.CacheControl.from_string(ENTRY_CACHE_CONTROL)],
            distribution=self.distribution,
            distribution_paths=[f"{APP_PATH}/*"],
        )
        self.entry.node.add_dependency(assets)
        # Both deployments run on the CDK's one provider function (a singleton per stack), which carries the AWS
        # CLI layer of the first; the second's own layer would be published and never used.
        self.entry.node.try_remove_child(AWS_CLI_LAYER_ID)
        self.deployment_handler = next(
            child for child in Stack.of(self).node.children if child.node.id.startswith(DEPLOYMENT_HANDLER_ID)
        )
        self._acknowledge_deployment()

    def _acknowledge_deployment(self) -> None:
        acknowledge(
            self.deployment_role.node.find_child("DefaultPolicy"),
            "AwsSolutions-IAM5",
            "The CDK's BucketDeployment grants these itself: read of the CDK assets bucket's objects (the zipped "
            "build it copies), read, write and delete of the web bucket's objects (a sync with prune) and "
            "CloudFront invalidations, which it grants on every distribution; an invalidation only empties a "
            "cache, it reads or changes nothing.",
            applies_to=[*DEPLOYMENT_WILDCARDS, f"Resource::<{logical_id(self.bucket)}.Arn>/*"],
        )
        handler = self.deployment_handler
        acknowledge(
            handler,
            "AwsSolutions-L1",
            "The CDK's BucketDeployment provider: aws-cdk-lib picks its runtime with the AWS CLI layer it bundles, "
            "and it runs only while the stack deploys.",
        )
        acknowledge(
            handler,
            "Serverless-LambdaLatestVersion",
            "The CDK's BucketDeployment provider: aws-cdk-lib picks its runtime with the AWS CLI layer it bundles, "
            "and it runs only while the stack deploys.",
        )
        acknowledge(
            handler,
            "Serverless-LambdaDLQ",
            "CloudFormation invokes the BucketDeployment provider and waits for its answer: a failure fails the "
            "deployment, which rolls back and shows the error. A dead-letter queue would keep an event whose "
            "response URL has expired, which nothing can replay.",
        )
        acknowledge(
            handler,
            "Serverless-LambdaTracing",
            "The CDK's BucketDeployment provider takes no tracing setting and runs one aws s3 sync per deployment: "
            "CloudFormation's stack events and the function's own log group record each run.",
        )
