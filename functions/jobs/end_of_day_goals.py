"""The end_of_day_goals job's coordinator (23:59 UTC, see goalpost.declaration): queues every user."""

from goalpost.edges.jobs import job_handler
from goalpost.services.fanout import queue_end_of_day

handler = job_handler("end_of_day_goals", queue_end_of_day)
