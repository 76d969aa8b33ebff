"""Pure aggregator logic: no Kafka, no database."""
