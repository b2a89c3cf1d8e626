"""The grid tree (街道 → 社区 → 网格), households, patrol teams and the people who work in it."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db


class Street(db.Model):
    """一级网格: a street office; each street keeps its own ledger."""

    __tablename__ = "streets"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Community(db.Model):
    """二级网格: a community (社区)."""

    __tablename__ = "communities"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    street_id: Mapped[str] = mapped_column(ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))


class Grid(db.Model):
    """三级网格: a compound or block group, owned by one grid worker."""

    __tablename__ = "grids"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))


class Household(db.Model):
    """A household on a grid's roster. Name, phone, ID and address are personal data."""

    __tablename__ = "households"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    grid_id: Mapped[str] = mapped_column(ForeignKey("grids.id"), index=True)
    building: Mapped[str] = mapped_column(String(40), default="")
    unit: Mapped[str] = mapped_column(String(40), default="")
    room: Mapped[str] = mapped_column(String(40), default="")
    head_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40), default="")
    id_number: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    key_household: Mapped[bool] = mapped_column(default=False)
    """重点户: visited more often (elderly living alone, special care...)."""
    roster_version: Mapped[int] = mapped_column(Integer, default=0, index=True)


class PatrolTeam(db.Model):
    """One of the four kinds of patrol team (四支队伍), attached to a community."""

    __tablename__ = "patrol_teams"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))


class Worker(db.Model):
    """A person with a role. Where they work depends on the role: a grid worker has a grid,
    patrol members, mediators and community staff a community, street staff a street."""

    __tablename__ = "workers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(40), default="")
    street_id: Mapped[str] = mapped_column(ForeignKey("streets.id"), index=True)
    community_id: Mapped[str | None] = mapped_column(ForeignKey("communities.id"), nullable=True)
    grid_id: Mapped[str | None] = mapped_column(ForeignKey("grids.id"), nullable=True)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("patrol_teams.id"), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    roster_version: Mapped[int] = mapped_column(Integer, default=0, index=True)


class RosterVersion(db.Model):
    """A counter bumped by every roster change, so a pull sends only what changed."""

    __tablename__ = "roster_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
