"""The SMS sender (goalpost.declaration.SMS_SENDER): the only function that may publish to a phone number. It
consumes the SMS queue that every alert raiser sends its SMS deliveries to; a message it cannot send is reported
back alone (partial-batch failure), retried by SQS, then kept in the queue's dead-letter queue."""

from goalpost.edges.jobs import queue_worker
from goalpost.services.sms import send_queued

handler = queue_worker("sms_sender", send_queued)
