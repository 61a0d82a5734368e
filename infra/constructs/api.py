"""API Gateway HTTP API: every declared route to its function, behind a Cognito JWT authorizer unless public."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import jsii
from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import LOG_RETENTION, acknowledge, pascal

STAGE_NAME = "$default"

# One JSON object per request. $context variables of HTTP APIs:
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "path": "$context.path",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "sub": "$context.authorizer.claims.sub",
    "error": "$context.error.message",
}


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """IAccessLogSettings is a jsii interface, not a struct, so it needs a class rather than a dict."""

    def __init__(self, log_group: logs.ILogGroup, log_format: apigateway.AccessLogFormat) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)
        self._format = log_format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat | None:
        return self._format


def route_key(route: declaration.Route) -> apigwv2.HttpRouteKey:
    if route.route_key == apigwv2.HttpRouteKey.DEFAULT.key:
        return apigwv2.HttpRouteKey.DEFAULT
    return apigwv2.HttpRouteKey.with_(route.path, apigwv2.HttpMethod[route.method])


class Api(Construct):
    """The HTTP API, its ``$default`` stage (throttled, access-logged) and one route per declared route."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        user_pool: cognito.IUserPool,
        user_pool_client: cognito.IUserPoolClient,
        cors_allow_origins: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=Stack.of(self).stack_name,
            description="Goalpost API",
            # The stage is declared below so that it can carry throttling and access logs.
            create_default_stage=False,
            cors_preflight=self._cors(cors_allow_origins),
        )
        self.stage = self._stage()
        stack = Stack.of(self)
        self.authorizer = authorizers.HttpJwtAuthorizer(
            "CognitoAuthorizer",
            f"https://cognito-idp.{stack.region}.{stack.url_suffix}/{user_pool.user_pool_id}",
            jwt_audience=[user_pool_client.user_pool_client_id],
            authorizer_name="cognito",
        )
        for spec in declaration.API_FUNCTIONS:
            self._routes(spec, functions[spec.name])

    @property
    def url(self) -> str:
        """The stage's own URL; callers use the edge's (infra.constructs.edge), which alone gets an answer."""
        return self.stage.url

    @staticmethod
    def _cors(allow_origins: Sequence[str]) -> apigwv2.CorsPreflightOptions | None:
        """No cross-origin access unless origins are listed (the web app is served from the API's own origin);
        a wildcard would let any site call the API with a user's token, so it is refused."""
        if not allow_origins:
            return None
        wildcards = [origin for origin in allow_origins if "*" in origin]
        if wildcards:
            raise ValueError(f"cors_allow_origins must list exact origins, not {wildcards}")
        return apigwv2.CorsPreflightOptions(
            allow_origins=list(allow_origins),
            allow_methods=[apigwv2.CorsHttpMethod.ANY],
            allow_headers=list(declaration.CORS_ALLOW_HEADERS),
            expose_headers=list(declaration.CORS_EXPOSE_HEADERS),
            max_age=Duration.hours(1),
        )

    def _stage(self) -> apigwv2.HttpStage:
        access_logs = logs.LogGroup(self, "AccessLogs", retention=LOG_RETENTION)
        return apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name=STAGE_NAME,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=declaration.THROTTLE_RATE_PER_SECOND,
                burst_limit=declaration.THROTTLE_BURST,
            ),
            access_log_settings=_AccessLogSettings(
                access_logs, apigateway.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS))
            ),
        )

    def _routes(self, spec: declaration.Function, function: lambda_.IFunction) -> None:
        acknowledge(
            function,
            "Serverless-LambdaDLQ",
            f"{spec.name} is invoked only by API Gateway, synchronously: the caller gets the error (and the stage's "
            "access log and the 5xx alarm record it). A DeadLetterConfig applies to asynchronous invocations and "
            "would never receive anything.",
        )
        # One integration per function, shared by all of its routes (the CDK still adds one invoke permission
        # per route, each limited to that route's path).
        integration = integrations.HttpLambdaIntegration(f"{pascal(spec.name)}Integration", function)
        for route in spec.routes:
            # The id comes from the route key, not the position: a stable logical id avoids a replacement,
            # which CloudFormation would fail on (the new route's key would clash with the old one's).
            http_route = apigwv2.HttpRoute(
                self,
                f"{pascal(route.route_key)}Route",
                http_api=self.http_api,
                route_key=route_key(route),
                integration=integration,
                authorizer=None if route.public else self.authorizer,
                # Only Cognito access tokens carry a scope: an ID token, or one minted for another resource
                # server, is refused by the authorizer before any function runs.
                authorization_scopes=None if route.public else [declaration.API_SCOPE],
            )
            if route.public:
                acknowledge(
                    http_route,
                    "AwsSolutions-APIG4",
                    f"{route.route_key} is public by declaration (health check, OpenAPI document, Swagger UI); "
                    "it reads no user data and the stage is throttled.",
                )
