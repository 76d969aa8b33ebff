"""Who may publish what: the catalog's publish grants expanded into concrete permissions.

A grant is written compactly ("every department, for its own scope"); ingest and the
aggregator need the concrete answer for one (agency, indicator, scope), and a reason
when the answer is no, to return 403 or to dead-letter the event with something an
operator can act on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from ioc_contracts.catalog import PROVINCE_CODE, AgencyKind, Catalog, PublishGrant, ScopeWord


@dataclass(frozen=True, order=True)
class Grant:
    """One concrete permission: `agency` may publish `indicator` for `scope`."""

    agency: str
    indicator: str
    scope: str


class Refusal(StrEnum):
    UNKNOWN_AGENCY = "unknown_agency"
    UNKNOWN_INDICATOR = "unknown_indicator"
    NOT_A_PUBLISHER = "not_a_publisher"
    SCOPE_NOT_GRANTED = "scope_not_granted"


@dataclass(frozen=True)
class PublishDecision:
    """The answer for one (agency, indicator, scope); `reason` is empty when allowed."""

    allowed: bool
    refusal: Refusal | None = None
    reason: str = ""


_ALLOWED = PublishDecision(allowed=True)
_SCOPE_WORDS = frozenset(ScopeWord)


class AgencyDirectory:
    """Agency codes by kind: what the grant words 'departments' and 'districts' mean."""

    def __init__(self, catalog: Catalog) -> None:
        self.codes = frozenset(agency.code for agency in catalog.agencies)
        self.departments = _codes_of(catalog, AgencyKind.DEPARTMENT)
        self.districts = _codes_of(catalog, AgencyKind.DISTRICT)

    def publishers(self, grant: PublishGrant) -> tuple[str, ...]:
        """The agencies a grant speaks for (none if it names an unknown agency)."""
        if grant.agency == ScopeWord.DEPARTMENTS:
            return self.departments
        if grant.agency == ScopeWord.DISTRICTS:
            return self.districts
        return (grant.agency,) if grant.agency in self.codes else ()

    def scopes(self, word: str, publisher: str) -> tuple[str, ...]:
        """What one scope entry of a grant means for one publisher."""
        match word:
            case ScopeWord.OWN:
                return (publisher,)
            case ScopeWord.DEPARTMENTS:
                return self.departments
            case ScopeWord.DISTRICTS:
                return self.districts
            case ScopeWord.PROVINCE:
                return (PROVINCE_CODE,)
        return (word,) if word in self.codes else ()

    def knows_scope_word(self, word: str) -> bool:
        return word in _SCOPE_WORDS or word in self.codes


def _codes_of(catalog: Catalog, kind: AgencyKind) -> tuple[str, ...]:
    return tuple(agency.code for agency in catalog.agencies if agency.kind is kind)


def expand(
    publish_grants: tuple[PublishGrant, ...], directory: AgencyDirectory
) -> Iterator[tuple[str, str]]:
    """(agency, scope) pairs that a list of grants allows."""
    for grant in publish_grants:
        for publisher in directory.publishers(grant):
            for word in grant.scopes:
                for scope in directory.scopes(word, publisher):
                    yield publisher, scope


def grants(catalog: Catalog) -> frozenset[Grant]:
    """Every concrete permission in the catalog."""
    directory = AgencyDirectory(catalog)
    return frozenset(
        Grant(agency, indicator.code, scope)
        for indicator in catalog.indicators
        for agency, scope in expand(indicator.publishers, directory)
    )


class PublishPolicy:
    """Answers "may this agency publish this indicator for this scope?".

    Built from the catalog (`from_catalog`) or from grants already expanded and
    stored in the database, which is what the running services use.
    """

    def __init__(self, agencies: Iterable[str], permissions: Iterable[Grant]) -> None:
        self._agencies = frozenset(agencies)
        allowed: dict[str, dict[str, set[str]]] = {}
        for grant in permissions:
            allowed.setdefault(grant.indicator, {}).setdefault(grant.agency, set()).add(grant.scope)
        self._allowed: Mapping[str, Mapping[str, frozenset[str]]] = {
            code: {agency: frozenset(scopes) for agency, scopes in by_agency.items()}
            for code, by_agency in allowed.items()
        }

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> PublishPolicy:
        return cls((agency.code for agency in catalog.agencies), grants(catalog))

    def check(self, agency: str, indicator: str, scope: str) -> PublishDecision:
        if agency not in self._agencies:
            return _refuse(Refusal.UNKNOWN_AGENCY, f"unknown agency {agency!r}")
        by_agency = self._allowed.get(indicator)
        if by_agency is None:
            return _refuse(Refusal.UNKNOWN_INDICATOR, f"unknown indicator {indicator!r}")
        scopes = by_agency.get(agency)
        if scopes is None:
            return _refuse(
                Refusal.NOT_A_PUBLISHER,
                f"agency {agency!r} may not publish indicator {indicator!r}",
            )
        if scope not in scopes:
            return _refuse(
                Refusal.SCOPE_NOT_GRANTED,
                f"agency {agency!r} may publish indicator {indicator!r} only for "
                f"{_listing(scopes)}, not for scope {scope!r}",
            )
        return _ALLOWED

    def allows(self, agency: str, indicator: str, scope: str) -> bool:
        return self.check(agency, indicator, scope).allowed

    def scopes_for(self, indicator: str) -> frozenset[str]:
        """Every scope some agency may publish the indicator for (its valid series)."""
        by_agency = self._allowed.get(indicator, {})
        return frozenset().union(*by_agency.values())


def _refuse(refusal: Refusal, reason: str) -> PublishDecision:
    return PublishDecision(allowed=False, refusal=refusal, reason=reason)


def _listing(scopes: frozenset[str], shown: int = 5) -> str:
    ordered = sorted(scopes)
    extra = f" and {len(ordered) - shown} more" if len(ordered) > shown else ""
    return ", ".join(repr(scope) for scope in ordered[:shown]) + extra
