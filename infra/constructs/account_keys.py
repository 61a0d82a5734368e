"""KMS: the key that seals connected accounts' API keys and secrets (``goalpost.edges.accounts.vault``)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from constructs import Construct

from goalpost import declaration
from goalpost.edges.accounts.vault import DATA_KEY_CONTEXT
from infra.constructs._common import rotated_key

# The context of the ciphertexts KMS sealed directly, before envelope encryption: still opened (Decrypt only)
# until the sync has re-sealed them.
DIRECT_CONTEXT_KEYS = ("user_id", "account_id")
# What each declaration allows on the vault's data keys (only under DATA_KEY_CONTEXT): making them to seal new
# credentials, opening them to call the provider.
ACTIONS: dict[declaration.AccountKeys, tuple[str, ...]] = {
    "none": (),
    "decrypt": ("kms:Decrypt",),
    "encrypt_decrypt": ("kms:GenerateDataKey", "kms:Decrypt"),
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
        """Exactly the declared operations on this key's data keys, only under the vault's data-key context (a
        request with no context, another value or one more key is refused); and Decrypt of a direct ciphertext
        only under an account's ``user_id`` and ``account_id`` context."""
        actions = ACTIONS[spec.account_keys]
        if not actions:
            return
        conditions = {
            "StringEquals": {f"kms:EncryptionContext:{name}": value for name, value in DATA_KEY_CONTEXT.items()},
            "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": list(DATA_KEY_CONTEXT)},
        }
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(actions), resources=[self.key.key_arn], conditions=conditions)
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[self.key.key_arn],
                conditions={
                    "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": list(DIRECT_CONTEXT_KEYS)},
                    "Null": {"kms:EncryptionContextKeys": "false"},
                },
            )
        )
