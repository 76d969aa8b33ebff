"""Edges of the alert service: the database, Kafka, HTTP and the channels."""
