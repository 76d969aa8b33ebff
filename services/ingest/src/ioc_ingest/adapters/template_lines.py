"""What goes into an agency's Excel template: its grants as stored in the catalog in force.

Read from the database on each download (not from the cached rules): a template is
asked for once a month, and it must list what the agency may send now.
"""

from __future__ import annotations

from dataclasses import dataclass

from ioc_contracts.catalog import Unit
from ioc_ingest.domain.report_template import TemplateLine
from ioc_storage.connection import Connection


@dataclass(frozen=True, slots=True)
class AgencyTemplate:
    agency: str
    agency_name: str
    lines: tuple[TemplateLine, ...]


async def read_agency_template(connection: Connection, *, agency: str) -> AgencyTemplate:
    name = await connection.fetchval("SELECT name_vi FROM ioc.agencies WHERE code = $1", agency)
    rows = await connection.fetch(
        """
        SELECT g.indicator, i.name_vi AS indicator_name, i.unit, i.min_value, i.max_value,
               g.scope, coalesce(a.name_vi, g.scope) AS scope_name
          FROM ioc.publish_grants g
          JOIN ioc.indicators i ON i.code = g.indicator
          LEFT JOIN ioc.agencies a ON a.code = g.scope
         WHERE g.agency = $1
         ORDER BY i.domain, g.indicator, g.scope = 'province' DESC, g.scope
        """,
        agency,
    )
    lines = tuple(
        TemplateLine(
            indicator=row["indicator"],
            indicator_name=row["indicator_name"],
            unit=Unit(row["unit"]),
            min_value=row["min_value"],
            max_value=row["max_value"],
            scope=row["scope"],
            scope_name=row["scope_name"],
        )
        for row in rows
    )
    return AgencyTemplate(agency=agency, agency_name=name or agency, lines=lines)
