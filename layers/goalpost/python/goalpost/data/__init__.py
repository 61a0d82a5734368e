"""Repositories over DynamoDB: keys, conditions, transactions, batching and pagination.

AWS errors become domain errors here and nowhere else."""
