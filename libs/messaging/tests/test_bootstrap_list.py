from ioc_messaging.clients import bootstrap_list


def test_several_brokers_are_split_into_the_list_faststream_needs() -> None:
    # tests/faults/test_broker_loss.py runs every service against three brokers.
    assert bootstrap_list("a:9092, b:9092,c:9092,") == ["a:9092", "b:9092", "c:9092"]
    assert bootstrap_list("127.0.0.1:9092") == ["127.0.0.1:9092"]
