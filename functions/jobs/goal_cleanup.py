"""The goal-cleanup job's coordinator (its schedule is in goalpost.declaration): queues one message per deleted goal
whose progress entries and funding links are still stored."""

from goalpost.edges.jobs import job_handler
from goalpost.services.goal_cleanup import queue_deleted_goals

handler = job_handler("goal_cleanup", queue_deleted_goals)
