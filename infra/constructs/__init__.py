"""One construct per capability; ``infra.stack`` composes them. Every one is built from
``goalpost.declaration``: no table, topic, queue, secret, function, route or schedule is named here."""

from infra.constructs.account_keys import AccountKeys
from infra.constructs.alerts import Alerts
from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.data import Data
from infra.constructs.edge import Edge, EdgeFirewall
from infra.constructs.functions import Functions
from infra.constructs.jobs import Jobs
from infra.constructs.layers import Layers
from infra.constructs.monitoring import Monitoring
from infra.constructs.queues import Queues
from infra.constructs.secrets import Secrets
from infra.constructs.web import WebApp

__all__ = [
    "AccountKeys",
    "Alerts",
    "Api",
    "Auth",
    "Data",
    "Edge",
    "EdgeFirewall",
    "Functions",
    "Jobs",
    "Layers",
    "Monitoring",
    "Queues",
    "Secrets",
    "WebApp",
]
