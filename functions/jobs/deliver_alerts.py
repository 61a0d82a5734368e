"""The deliver_alerts job (every 5 minutes, see goalpost.declaration): sends the deferred email and SMS
deliveries that are due, each exactly once, and republishes alerts whose event publish failed."""

from goalpost.edges.jobs import job_handler
from goalpost.services.delivery import run_deliveries

handler = job_handler("deliver_alerts", run_deliveries)
