"""The names and values that both the declaration (what CDK and the local server give a function) and the
settings (what a function reads at run time) need, apart from the declaration: ``goalpost.settings`` imports
this module rather than ``goalpost.declaration``, whose eleven dataclasses and every route and function would
cost each job ~15 ms of its cold start for a few strings. ``goalpost.declaration`` imports them from here."""

# The Cognito group whose members may call admin-only routes (the JWT's cognito:groups claim).
ADMIN_GROUP = "admin"

# The tables and queues whose variables the settings read by these names (the declaration's Table and Queue).
SNAPSHOTS_TABLE_ENV = "SNAPSHOTS_TABLE_NAME"
SMS_QUEUE_ENV = "SMS_QUEUE_URL"
GOAL_CLEANUP_QUEUE_ENV = "GOAL_CLEANUP_QUEUE_URL"

# The variable that carries the topics' KMS key (the alerts topic's), which the users' topics are created
# with, for the functions that manage those topics only.
TOPICS_KEY_ENV = "TOPICS_KEY_ID"

# The SMS sender's settings for the deployment, set from the CDK context sms_sender_id and sms_max_price_usd on
# the SMS sender only: the sender ID shown where the destination country supports one, and the most one SMS may
# cost (USD) before SNS refuses to send it. Neither set: SNS's defaults.
SMS_SENDER_ID_ENV = "GOALPOST_SMS_SENDER_ID"
SMS_MAX_PRICE_ENV = "GOALPOST_SMS_MAX_PRICE_USD"
# What SNS takes as a sender ID: 1 to 11 letters and digits, at least one a letter.
SMS_SENDER_ID_PATTERN = r"^[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*$"
SMS_SENDER_ID_MAX_LENGTH = 11

# The variable that carries the ARN of the secret CloudFront sends in the origin-verify header (unset locally:
# the local server is the edge).
ORIGIN_SECRET_ENV = "GOALPOST_ORIGIN_SECRET_ARN"  # noqa: S105 (a variable's name, not a secret)
