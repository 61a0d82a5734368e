"""The position_monitor job (its schedule is in goalpost.declaration): every open position against its price."""

from goalpost.edges.jobs import job_handler
from goalpost.services.monitor import run_monitor

handler = job_handler("position_monitor", run_monitor)
