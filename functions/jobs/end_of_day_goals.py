"""The end_of_day_goals job (its schedule is in goalpost.declaration); idle until its issue fills it."""

from goalpost.edges.jobs import idle, job_handler

handler = job_handler("end_of_day_goals", idle)
