"""The deliver_alerts job (its schedule is in goalpost.declaration); idle until its issue fills it."""

from goalpost.edges.jobs import idle, job_handler

handler = job_handler("deliver_alerts", idle)
