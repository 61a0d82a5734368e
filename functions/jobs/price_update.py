"""The price_update job (its schedule is in goalpost.declaration); idle until its issue fills it."""

from goalpost.edges.jobs import idle, job_handler

handler = job_handler("price_update", idle)
