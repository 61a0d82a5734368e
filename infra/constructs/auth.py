"""Cognito: the user pool whose tokens the HTTP API's JWT authorizer accepts."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import acknowledge

# `cdk synth -c cognito_ses_from_address=no-reply@example.com`: an SES identity verified in the stack's region
# (and out of the SES sandbox) that Cognito sends its invitations and codes from. Read at synth, not a
# CfnParameter: the choice switches the whole EmailConfiguration, which a parameter cannot do.
SES_FROM_ADDRESS_CONTEXT = "cognito_ses_from_address"
# Where that identity is verified, when not in the stack's own region.
SES_REGION_CONTEXT = "cognito_ses_region"

# Short-lived tokens bound what a stolen token is worth; revocation ends a refresh token at sign-out.
ACCESS_TOKEN_VALIDITY = Duration.minutes(60)
ID_TOKEN_VALIDITY = Duration.minutes(60)
REFRESH_TOKEN_VALIDITY = Duration.days(7)


def _user_pool_email(scope: Construct) -> cognito.UserPoolEmail:
    from_address = str(scope.node.try_get_context(SES_FROM_ADDRESS_CONTEXT) or "").strip()
    if from_address:
        # The stack is environment-agnostic: its region is a deploy-time token the CDK wants spelled out.
        ses_region = str(scope.node.try_get_context(SES_REGION_CONTEXT) or "").strip() or Stack.of(scope).region
        return cognito.UserPoolEmail.with_ses(from_email=from_address, from_name="Goalpost", ses_region=ses_region)
    # Cognito's own sender caps at about 50 emails a day per account: enough for a trial, not for invitations
    # at scale. Configure the context value above before inviting users in numbers.
    return cognito.UserPoolEmail.with_cognito()


class Auth(Construct):
    """Invite-only user pool (email sign-in, required TOTP, no threat protection: see the COG8 reason), an SRP
    app client without secret and with short token lifetimes, and the admin group."""

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
        self.client = self.user_pool.add_client(
            "WebClient",
            auth_flows=cognito.AuthFlow(user_srp=True),  # refresh-token auth is always enabled by Cognito
            generate_secret=False,  # public clients (browser, CLI) cannot keep a secret
            disable_o_auth=True,  # no hosted UI: without this the CDK enables the implicit grant
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=ACCESS_TOKEN_VALIDITY,
            id_token_validity=ID_TOKEN_VALIDITY,
            refresh_token_validity=REFRESH_TOKEN_VALIDITY,
        )
        self.admin_group = cognito.UserPoolGroup(
            self,
            "AdminGroup",
            user_pool=self.user_pool,
            group_name=declaration.ADMIN_GROUP,
            description="Goalpost administrators",
        )
        self.admin_group.apply_removal_policy(RemovalPolicy.RETAIN)
