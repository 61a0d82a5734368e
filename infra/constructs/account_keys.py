"""KMS: the key that seals connected accounts' API keys and secrets (``goalpost.edges.accounts.vault``)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import rotated_key

# The encryption context the vault binds every ciphertext to: a grant allows the key only under it.
ENCRYPTION_CONTEXT_KEYS = ("user_id", "account_id")
ACTIONS: dict[declaration.AccountKeys, tuple[str, ...]] = {
    "none": (),
    "decrypt": ("kms:Decrypt",),
    "encrypt_decrypt": ("kms:Encrypt", "kms:Decrypt"),
}


class AccountKeys(Construct):
    """The customer-managed key (``key``) that only the functions declared with ``account_keys`` may use, and
    only for the operations they declare (``grant``)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # Retained: destroying it would make every connected account's sealed keys unreadable for good.
        self.key = rotated_key(
            self,
            "CredentialsKey",
            description="Goalpost: encrypts connected accounts' exchange API keys and secrets",
            removal_policy=RemovalPolicy.RETAIN,
        )

    def grant(self, spec: declaration.Function, role: iam.IRole) -> None:
        """Exactly the declared operations on this key, and only under the vault's encryption context (a
        request without ``user_id`` and ``account_id`` in its context, or with any other key, is refused)."""
        actions = ACTIONS[spec.account_keys]
        if not actions:
            return
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(actions),
                resources=[self.key.key_arn],
                conditions={
                    "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": list(ENCRYPTION_CONTEXT_KEYS)},
                    "Null": {"kms:EncryptionContextKeys": "false"},
                },
            )
        )
