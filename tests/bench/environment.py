"""The environment the bench runs Goalpost's code in: as the local server runs the functions, but quiet."""

from goalpost import declaration

# No EMF lines or logs on stdout (where the table and the JSON go), no tracing, no backoff between provider
# retries. The service and namespace are set as deployed: a worker that adds its 100th metric flushes them,
# which Powertools refuses without a namespace even when EMF is disabled. Set before anything builds its
# Logger and Metrics (they read the environment once).
QUIET_ENV = {
    "POWERTOOLS_SERVICE_NAME": declaration.SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": declaration.METRICS_NAMESPACE,
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "GOALPOST_MARKET_BACKOFF_SECONDS": "0",
}
