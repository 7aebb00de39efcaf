"""SQL building blocks the reports share, identical in meaning on PostgreSQL and SQLite.

* ``SecondsBetween(later, earlier)``: an interval in seconds (float).
* ``Percentile(expression, fraction)``: PostgreSQL's ``percentile_cont``; on SQLite the same
  aggregate is registered on every connection (``register_sqlite_functions``), computed by
  :func:`opora.analytics.stats.percentile_cont` inside the database's GROUP BY.
"""

from django.db.models import Aggregate, FloatField, Func

from .stats import percentile_cont

SQLITE_PERCENTILE = "opora_percentile_cont"


class SecondsBetween(Func):
    output_field = FloatField()
    arity = 2

    def __init__(self, later, earlier, **extra):
        super().__init__(later, earlier, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django keeps SQLite datetimes as ISO text in UTC, which julianday() reads exactly.
        return Func.as_sql(
            self,
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class Percentile(Aggregate):
    """The continuous percentile (0 < fraction < 1) of a numeric expression."""

    function = "percentile_cont"
    name = "Percentile"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"percentile fraction {fraction!r} is outside 0..1")
        # A literal, validated above: percentile_cont needs a constant, not a parameter.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            function=SQLITE_PERCENTILE,
            template="%(function)s(%(expressions)s, %(fraction)s)",
            **extra_context,
        )


class _SqlitePercentile:
    """The SQLite aggregate: gathers the group's values, then interpolates like PostgreSQL."""

    def __init__(self):
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction):
        self.fraction = fraction
        if value is not None:  # SQL aggregates skip NULLs
            self.values.append(value)

    def finalize(self):
        self.values.sort()
        return percentile_cont(self.values, self.fraction)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver (connected in AnalyticsConfig.ready)."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_PERCENTILE, 2, _SqlitePercentile)
