"""Cognito: the user pool whose access tokens the HTTP API's JWT authorizer accepts, and its managed login."""

from __future__ import annotations

import re

from aws_cdk import Aws, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import acknowledge, context_list, context_text

# `cdk synth -c cognito_ses_from_address=no-reply@example.com`: an SES identity verified in the stack's region
# (and out of the SES sandbox) that Cognito sends its invitations and codes from. Read at synth, not a
# CfnParameter: the choice switches the whole EmailConfiguration, which a parameter cannot do.
SES_FROM_ADDRESS_CONTEXT = "cognito_ses_from_address"
# Where that identity is verified, when not in the stack's own region.
SES_REGION_CONTEXT = "cognito_ses_region"

# `-c auth_domain_prefix=goalpost-prod`: the managed login domain, https://<prefix>.auth.<region>.amazoncognito.com.
# A prefix is unique per region across every AWS account, so the default names the stack and the account.
DOMAIN_PREFIX_CONTEXT = "auth_domain_prefix"
# Cognito's rule for a prefix: lowercase letters, digits and inner hyphens, 1..63, without these words.
_DOMAIN_PREFIX = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_RESERVED_IN_PREFIX = ("aws", "amazon", "cognito")
# `-c auth_callback_urls=https://a/app/callback,http://localhost:3000/app/callback` (comma-separated): where managed
# login may send the authorization code; `auth_logout_urls` likewise where sign-out may land. The defaults are
# the web app served by the local server (`make run`, /app/): a developer's app can sign in against the deployed
# pool. The deployed web app's own URLs come first, added by ``Auth.allow_web_app`` (infra.constructs.web).
CALLBACK_URLS_CONTEXT = "auth_callback_urls"
LOGOUT_URLS_CONTEXT = "auth_logout_urls"
DEFAULT_CALLBACK_URLS = ("http://localhost:3000/app/callback",)
DEFAULT_LOGOUT_URLS = ("http://localhost:3000/app/",)

# Short-lived tokens bound what a stolen token is worth; revocation ends a refresh token at sign-out.
ACCESS_TOKEN_VALIDITY = Duration.minutes(60)
ID_TOKEN_VALIDITY = Duration.minutes(60)
REFRESH_TOKEN_VALIDITY = Duration.days(7)


def _user_pool_email(scope: Construct) -> cognito.UserPoolEmail:
    from_address = context_text(scope, SES_FROM_ADDRESS_CONTEXT)
    if from_address:
        # The stack is environment-agnostic: its region is a deploy-time token the CDK wants spelled out.
        ses_region = context_text(scope, SES_REGION_CONTEXT) or Stack.of(scope).region
        return cognito.UserPoolEmail.with_ses(from_email=from_address, from_name="Goalpost", ses_region=ses_region)
    # Cognito's own sender caps at about 50 emails a day per account: enough for a trial, not for invitations
    # at scale. Configure the context value above before inviting users in numbers.
    return cognito.UserPoolEmail.with_cognito()


def _urls(scope: Construct, context: str, default: tuple[str, ...]) -> list[str]:
    return context_list(scope, context) or list(default)


def _checked_prefix(prefix: str, source: str) -> None:
    if not _DOMAIN_PREFIX.fullmatch(prefix) or any(word in prefix for word in _RESERVED_IN_PREFIX):
        raise ValueError(
            f"Cognito refuses the domain prefix {prefix!r} ({source}): lowercase letters, digits and inner "
            f"hyphens, 1..63, none of {', '.join(_RESERVED_IN_PREFIX)}; set -c {DOMAIN_PREFIX_CONTEXT}=<prefix>"
        )


def _domain_prefix(scope: Construct) -> str:
    """The context's prefix, checked now (a bad one would fail only at deploy); else ``<stack>-<account id>``."""
    chosen = context_text(scope, DOMAIN_PREFIX_CONTEXT)
    if chosen:
        _checked_prefix(chosen, f"context {DOMAIN_PREFIX_CONTEXT}")
        return chosen
    stack = re.sub(r"[^a-z0-9-]+", "-", Stack.of(scope).stack_name.lower()).strip("-")[:50].rstrip("-")
    _checked_prefix(stack or "-", f"from the stack name for context {DOMAIN_PREFIX_CONTEXT}")
    return Fn.join("-", [stack, Aws.ACCOUNT_ID])  # 12 digits: at most 63 in all


class Auth(Construct):
    """Invite-only user pool (email sign-in, required TOTP, no threat protection: see the COG8 reason), the
    ``goalpost/api`` scope, managed login on a Cognito prefix domain, a public app client (authorization code
    with PKCE only, short token lifetimes), and the admin group."""

    def __init__(self, scope: Construct, construct_id: str, *, deletion_protection: bool) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,  # users are invited by an administrator
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            # Required, and TOTP only: an invited user signing in for the first time is asked by Cognito to
            # set up an authenticator app (MFA_SETUP challenge) before any token is issued. No SMS: it costs
            # per message and falls to SIM swapping.
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            # Essentials: threat protection needs the Plus plan, billed per monthly active user at several times
            # Goalpost's whole cost goal per user (docs/cost.md, docs/security.md); the plan does not allow it.
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            email=_user_pool_email(self),
            deletion_protection=deletion_protection,
            removal_policy=RemovalPolicy.RETAIN,  # the users outlive the stack, like the tables
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG8",
            "Threat protection needs the Plus feature plan, billed per monthly active user on top of Essentials at "
            "several times the whole per-user cost goal; the pool is invite-only with required TOTP and a strong "
            "password policy.",
        )
        self._callback_urls = _urls(self, CALLBACK_URLS_CONTEXT, DEFAULT_CALLBACK_URLS)
        self._logout_urls = _urls(self, LOGOUT_URLS_CONTEXT, DEFAULT_LOGOUT_URLS)
        # Every private route requires this scope: only an access token of this client carries it.
        self.resource_server = self.user_pool.add_resource_server(
            "ApiResourceServer",
            identifier=declaration.API_RESOURCE_SERVER,
            user_pool_resource_server_name="Goalpost API",
            scopes=[cognito.ResourceServerScope(scope_name=declaration.API_SCOPE_NAME, scope_description="The API")],
        )
        self.client = self.user_pool.add_client(
            "WebClient",
            # Tokens come only from managed login's authorization code grant: an access token obtained by SRP
            # (InitiateAuth) carries only aws.cognito.signin.user.admin, never the API scope, so the API refuses
            # it (403) and the flow would be a second way to try passwords for nothing. Refresh stays (Cognito
            # keeps it whatever is set): a refresh token renews the code grant's tokens with their scopes.
            auth_flows=cognito.AuthFlow(user_srp=False),
            generate_secret=False,  # public clients (browser, CLI) cannot keep a secret: PKCE instead
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True, implicit_code_grant=False),
                scopes=[
                    cognito.OAuthScope.OPENID,
                    cognito.OAuthScope.EMAIL,
                    cognito.OAuthScope.custom(declaration.API_SCOPE),
                ],
                callback_urls=self._callback_urls,
                logout_urls=self._logout_urls,
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=ACCESS_TOKEN_VALIDITY,
            id_token_validity=ID_TOKEN_VALIDITY,
            refresh_token_validity=REFRESH_TOKEN_VALIDITY,
        )
        self.client.node.add_dependency(self.resource_server)  # the scope must exist before a client asks for it
        self.domain = self.user_pool.add_domain(
            "ManagedLoginDomain",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=_domain_prefix(self)),
            managed_login_version=cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
        )
        # Managed login (version 2) shows a client's pages only once a branding style exists for it; Cognito's
        # own look is enough here.
        branding = cognito.CfnManagedLoginBranding(
            self,
            "ManagedLoginBranding",
            user_pool_id=self.user_pool.user_pool_id,
            client_id=self.client.user_pool_client_id,
            use_cognito_provided_values=True,
        )
        branding.node.add_dependency(self.domain)
        self.admin_group = cognito.UserPoolGroup(
            self,
            "AdminGroup",
            user_pool=self.user_pool,
            group_name=declaration.ADMIN_GROUP,
            description="Goalpost administrators",
        )
        self.admin_group.apply_removal_policy(RemovalPolicy.RETAIN)

    def allow_web_app(self, *, callback_url: str, logout_url: str) -> None:
        """Let managed login send codes to, and end sessions at, the deployed web app (before the context's URLs).

        Its URLs are the CloudFront distribution's, which exists only after this client: the API's authorizer
        needs the client, and the distribution needs the API. CloudFormation sees no cycle: the client depends on
        the distribution, the distribution only on the API itself (its endpoint), never on its authorizer."""
        client = self.client.node.default_child
        assert isinstance(client, cognito.CfnUserPoolClient)
        client.callback_ur_ls = [callback_url, *self._callback_urls]
        client.logout_ur_ls = [logout_url, *self._logout_urls]
