from pathlib import Path

from ioc_runtime.env_file import read_env_file


def test_values_read_as_the_shell_sources_them(tmp_path: Path) -> None:
    path = tmp_path / "ioc.env"
    path.write_text(
        "# written by ./dev\n"
        "IOC_ENV=development\n"
        "IOC_DB_SUPERUSER_URL='postgresql:///postgres?host=/run&port=5432'\n"
        'export IOC_API_TOKEN="abc=def"\n'
        "IOC_PRICE=$5\n"
        "\n",
        encoding="utf-8",
    )
    assert read_env_file(path) == {
        "IOC_ENV": "development",
        "IOC_DB_SUPERUSER_URL": "postgresql:///postgres?host=/run&port=5432",
        "IOC_API_TOKEN": "abc=def",
        "IOC_PRICE": "$5",
    }


def test_an_absent_file_has_no_variables(tmp_path: Path) -> None:
    assert read_env_file(tmp_path / "missing.env") == {}
