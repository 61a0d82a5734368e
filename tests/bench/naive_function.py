"""The reference the cold-start benchmark compares every function with: a straightforward Powertools API
function as the tutorials write it. At import it creates a boto3 DynamoDB resource and an SNS client, a
Logger, Metrics, an X-Ray Tracer and a validating resolver; its route reads the table through the resource.

It is measured exactly as our functions are (a fresh interpreter importing it and serving one request), in the
same run, so the ratio between the two does not depend on the machine."""

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from boto3.dynamodb.conditions import Key
from pydantic import BaseModel

table = boto3.resource("dynamodb").Table(os.environ["DATA_TABLE_NAME"])
sns = boto3.client("sns")
logger = Logger()
metrics = Metrics()
tracer = Tracer()
app = APIGatewayHttpResolver(enable_validation=True)


class GoalOut(BaseModel):
    id: str
    name: str


@app.get("/goals")
@tracer.capture_method
def list_goals() -> list[GoalOut]:
    sub = app.current_event.request_context.authorizer.jwt_claim["sub"]
    items = table.query(KeyConditionExpression=Key("pk").eq(f"USER#{sub}") & Key("sk").begins_with("GOAL#"))["Items"]
    return [GoalOut(id=str(item["sk"]), name=str(item.get("name", ""))) for item in items]


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
