"""Cognito: the user pool whose tokens the HTTP API's JWT authorizer accepts."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import acknowledge

# The group whose members may call the admin operations (the handlers read the cognito:groups claim).


class Auth(Construct):
    """Invite-only user pool (email sign-in, optional TOTP), an SRP app client without secret and the admin
    group."""

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
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            deletion_protection=deletion_protection,
            removal_policy=RemovalPolicy.RETAIN,  # the users outlive the stack, like the tables
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "MFA is OPTIONAL with TOTP offered to every user: the pool is invite-only, and a required second "
            "factor would block invited users at their first sign-in, before they could enrol a TOTP app.",
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG8",
            "The Plus feature plan (threat protection) is billed per MAU on top of Essentials; an invite-only "
            "pool with a strong password policy and optional TOTP does not justify it at this stage.",
        )
        self.client = self.user_pool.add_client(
            "WebClient",
            auth_flows=cognito.AuthFlow(user_srp=True),  # refresh-token auth is always enabled by Cognito
            generate_secret=False,  # public clients (browser, CLI) cannot keep a secret
            disable_o_auth=True,  # no hosted UI: without this the CDK enables the implicit grant
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
        )
        self.admin_group = cognito.UserPoolGroup(
            self,
            "AdminGroup",
            user_pool=self.user_pool,
            group_name=declaration.ADMIN_GROUP,
            description="Goalpost administrators",
        )
        self.admin_group.apply_removal_policy(RemovalPolicy.RETAIN)
