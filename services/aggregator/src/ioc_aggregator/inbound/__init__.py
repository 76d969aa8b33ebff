"""Inbound adapters: Kafka records in (the FastStream subscriber) and the batches in
flight, handed to the use case in Kafka order."""
