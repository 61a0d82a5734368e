"""The price_update job (its schedule is in goalpost.declaration): refreshes the price cache."""

from goalpost.edges.jobs import job_handler
from goalpost.services.monitor import refresh_prices

handler = job_handler("price_update", refresh_prices)
