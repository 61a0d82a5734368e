"""Secrets Manager: one secret per declared secret, holding a placeholder the operator replaces."""

from __future__ import annotations

from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import acknowledge, pascal

# The declared secrets are third-party API key pairs ({"key_id": "...", "secret_key": "..."}). The stack
# creates each with an empty key id and a random secret key, so that no real credential is ever in the
# template or the repository and an unfilled secret is recognisable (empty key_id); the operator puts the
# real pair in with `aws secretsmanager put-secret-value` after the first deploy.
PLACEHOLDER_TEMPLATE = '{"key_id": ""}'
PLACEHOLDER_GENERATED_KEY = "secret_key"
# The origin secret is generated whole: {"value": "<48 letters and digits>"} (declaration.ORIGIN_SECRET_FIELD).
EMPTY_JSON_TEMPLATE = "{}"


class Secrets(Construct):
    """Every secret in ``declaration.SECRETS``, keyed by the declared secret key (``alpaca``), and the origin
    secret CloudFront sends to the API (``origin_secret``)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.secrets: dict[str, secretsmanager.Secret] = {
            secret.key: self._secret(secret) for secret in declaration.SECRETS
        }
        self.origin_secret = self._origin_secret()

    def _origin_secret(self) -> secretsmanager.Secret:
        """Generated here, never seen by anyone: CloudFormation puts it in CloudFront's origin header (a dynamic
        reference) and the API functions read it to compare (infra.constructs.edge, goalpost.edges.api)."""
        secret = secretsmanager.Secret(
            self,
            "OriginSecret",
            description="Goalpost: the header value CloudFront sends to the API, which refuses requests without it",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=EMPTY_JSON_TEMPLATE,
                generate_string_key=declaration.ORIGIN_SECRET_FIELD,
                exclude_punctuation=True,
                password_length=48,
            ),
        )
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "The origin secret only proves that a request came through CloudFront (WAF and the JWT authorizer are "
            "the protections); CloudFront's header takes its value at deploy, so a rotation function would break "
            "the API until the next deploy. docs/operations.md says how to change it by hand and redeploy.",
        )
        return secret

    def _secret(self, spec: declaration.Secret) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            f"{pascal(spec.key)}Secret",
            description=f"Goalpost: {spec.description}" if spec.description else f"Goalpost {spec.key}",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=PLACEHOLDER_TEMPLATE,
                generate_string_key=PLACEHOLDER_GENERATED_KEY,
                exclude_punctuation=True,
            ),
        )
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            f"The {spec.key} secret holds a third-party provider's API keys: they are issued and rotated at the "
            "provider (its dashboard), not by a Lambda rotation function, and the operator then puts the new "
            "pair in this secret. Readers cache it for minutes only, so a put takes effect without a deploy.",
        )
        return secret
