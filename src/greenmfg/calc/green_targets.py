"""Green-factory output share and its path to the 2030 target (pure arithmetic, no I/O).

Definitions
-----------
share
    output value of listed green factories ÷ manufacturing output value of the region, both in
    the same unit (万元) and the same year [1].
required compound growth
    the constant annual growth rate ``g`` of the share that takes it from ``s0`` in year ``y0``
    to the target ``s*`` in the target year ``Y``: ``g = (s* / s0) ** (1 / (Y − y0)) − 1`` [1/a].
trajectory
    ``s(t) = s0 × (1 + g) ** (t − y0)`` for ``t = y0 … Y`` (equals ``s*`` in ``Y``).
gap
    ``s* − s0`` in share points [1] (positive: below the target).
linear pace
    ``(s* − s0) / (Y − y0)`` [1/a]: share points to add each year on a straight line.

References
----------
工业和信息化部等七部门《关于加快推动制造业绿色化发展的指导意见》(2024): 到2030年各级绿色工厂产值占
制造业总产值比重超过40% (dataset ``green_manufacturing/targets-2024``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["TargetPath", "output_share", "target_path"]


def output_share(green_output: Decimal, manufacturing_output: Decimal) -> Decimal | None:
    """Green factories' output ÷ manufacturing output [1]; None when the denominator is not positive.

    Parameters
    ----------
    green_output
        Output value of the listed green factories [万元].
    manufacturing_output
        Manufacturing output value of the region [万元].
    """
    if manufacturing_output <= 0:
        return None
    return green_output / manufacturing_output


@dataclass(frozen=True, slots=True)
class TargetPath:
    """The way from the latest share to the target."""

    base_year: int
    base_share: float
    target_share: float
    target_year: int
    #: target − base share [1]; positive means below the target
    gap: float
    #: the target is met (strictly above it, as '超过' says)
    met: bool
    #: constant annual growth of the share needed [1/a]; None when the base share is 0 or the target year is past
    required_growth: float | None
    #: share points to add each year on a straight line [1/a]; None when the target year is past
    linear_pace: float | None
    #: (year, share) from the base year to the target year on the compound path
    trajectory: tuple[tuple[int, float], ...]


def target_path(base_year: int, base_share: float, *, target_share: float, target_year: int) -> TargetPath:
    """The compound and linear paths from ``base_share`` in ``base_year`` to the target.

    Parameters
    ----------
    base_share, target_share
        Shares [1] (0.18 = 18 %).

    Returns
    -------
    TargetPath
        When the base share already exceeds the target, the required growth is 0 and the
        trajectory is flat at the base share.
    """
    gap = target_share - base_share
    met = base_share > target_share
    years = target_year - base_year
    if years <= 0:
        return TargetPath(base_year, base_share, target_share, target_year, gap, met, None, None,
                          ((base_year, base_share),))
    if met:
        flat = tuple((base_year + i, base_share) for i in range(years + 1))
        return TargetPath(base_year, base_share, target_share, target_year, gap, met, 0.0, 0.0, flat)
    pace = gap / years
    if base_share <= 0:
        linear = tuple((base_year + i, base_share + pace * i) for i in range(years + 1))
        return TargetPath(base_year, base_share, target_share, target_year, gap, met, None, pace, linear)
    growth = (target_share / base_share) ** (1.0 / years) - 1.0
    path = tuple((base_year + i, base_share * (1.0 + growth) ** i) for i in range(years + 1))
    return TargetPath(base_year, base_share, target_share, target_year, gap, met, growth, pace, path)
