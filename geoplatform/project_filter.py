"""The project filters that the approval board, the scheduling board and the regional lists share.

One definition, so that "Gansu, lithium, green channel, with a Chinese stake" selects the same projects
on every board; the values arrive validated (codes from the codelists, a region as a code range)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select

from geoplatform.models import Project, project_chinese_stake, project_commodity

projects_t = Project.__table__


@dataclass(frozen=True)
class ProjectFilter:
    region: tuple[str, str] | None = None
    """GB/T 2260 codes from–to: a province is its code range."""
    countries: tuple[str, ...] = ()
    abroad: bool | None = None
    chinese_stake: bool | None = None
    green_channel: bool | None = None
    commodity: tuple[str, ...] = ()

    def conditions(self) -> list[ColumnElement[bool]]:
        """WHERE terms on ``project``; an empty list selects every project."""
        terms: list[ColumnElement[bool]] = []
        if self.countries:
            terms.append(projects_t.c.country_code.in_(self.countries))
        if self.abroad is not None:
            terms.append(projects_t.c.country_code != "CN" if self.abroad else projects_t.c.country_code == "CN")
        if self.chinese_stake is not None:
            held = projects_t.c.id.in_(select(project_chinese_stake.c.project_id))
            terms.append(held if self.chinese_stake else ~held)
        if self.region:
            terms.append(projects_t.c.region_code.between(*self.region))
        if self.green_channel is not None:
            terms.append(projects_t.c.green_channel.is_(self.green_channel))
        if self.commodity:
            terms.append(
                projects_t.c.id.in_(
                    select(project_commodity.c.project_id).where(project_commodity.c.commodity_code.in_(self.commodity))
                )
            )
        return terms
