"""Derived indicators, computed in SQL from the current indicator values (and the catalogue).

Every statement yields rows of one shape — indicator, commodity_code, scope_kind, scope_code,
period_kind, period_start, period_end, value, base_unit — so that the measured series and the derived
ones are judged by the same warning rules (:mod:`geoplatform.supply.warnings`) and drawn by the same
charts. The values are in base units (``indicator_value.value_base``): tonnes, t/a, CNY/t or USD/t,
ratios (0.62, not 62 %), days, years, HHI points.

- import_dependence = (imports − exports) ÷ consumption, the apparent consumption (production +
  imports − exports) where no consumption is reported; same scope and period.
- reserve_life = reserves ÷ production, annual values of the same scope (years).
- supply_hhi = Σ (share of each country in the production of the period)² × 10 000, and top3_share the
  shares of the three largest producers: from the country-scope production values, as world scope. Both
  come from one hash aggregate per period: the top three are picked from each period's own values (a few
  hundred), not by ranking every production value in one sort.
- capacity_hhi: the same over the catalogue's producing projects' (stage ``operation``) capacities by
  country, as world scope for the current year; a project with several commodities states one capacity
  for all of them and is left out.
- offtake_hhi and offtake_top3_share: the same over the annual quantities (tonnes) of the offtake
  agreements of Chinese buyers, by source country (the project's, else the seller's), per calendar year
  in force up to this year, each agreement weighted by the share of the year it runs; as scope country
  CN — how concentrated China's contracted supply is.
- price_change = price ÷ price of the same period a year before − 1, same scope and currency.
- price_volatility = standard deviation of the last 12 monthly log returns × √12 (needs 12 returns).
- inventory_cover = inventory ÷ (consumption ÷ days of the period), the apparent consumption as above
  where none is reported (days).
- capacity_use = production ÷ (capacity × days of the period ÷ 365.25).
"""

from __future__ import annotations

CURRENT = """
    SELECT indicator, commodity_code, scope_kind, scope_code, period_kind, period_start, period_end,
           value_base AS value, base_unit
    FROM indicator_value WHERE superseded_at IS NULL
"""

OTHERS = "('consumption', 'imports', 'exports', 'reserves', 'inventory', 'capacity')"

_PIVOT = f"""
    SELECT k.*, p.value_base AS production
    FROM (
        SELECT commodity_code, scope_kind, scope_code, period_kind, period_start, period_end,
               max(value_base) FILTER (WHERE indicator = 'consumption') AS consumption,
               max(value_base) FILTER (WHERE indicator = 'imports') AS imports,
               max(value_base) FILTER (WHERE indicator = 'exports') AS exports,
               max(value_base) FILTER (WHERE indicator = 'reserves') AS reserves,
               max(value_base) FILTER (WHERE indicator = 'inventory') AS inventory,
               max(value_base) FILTER (WHERE indicator = 'capacity') AS capacity
        FROM indicator_value
        WHERE superseded_at IS NULL AND indicator IN {OTHERS}
        GROUP BY commodity_code, scope_kind, scope_code, period_kind, period_start, period_end
    ) k
    LEFT JOIN indicator_value p
      ON p.superseded_at IS NULL AND p.indicator = 'production' AND p.commodity_code = k.commodity_code
     AND p.scope_kind = k.scope_kind AND p.scope_code = k.scope_code AND p.period_kind = k.period_kind
     AND p.period_start = k.period_start
"""
"""Every derivation from the balance needs one of the other indicators beside production: the pivot
starts from those (few) rows and looks production up by index, instead of grouping every production
value of every country."""

_CTES = f"""
pivot AS ({_PIVOT}),
balance AS (
    SELECT *, coalesce(consumption, production + imports - exports) AS used FROM pivot
),
concentration AS (
    SELECT commodity_code, period_kind, period_start, period_end,
           sum(value_base * value_base) / nullif(sum(value_base) ^ 2, 0) * 10000 AS hhi,
           (SELECT sum(v) FROM (SELECT v FROM unnest(array_agg(value_base)) AS v ORDER BY v DESC LIMIT 3) top)
               / nullif(sum(value_base), 0) AS top3
    FROM indicator_value
    WHERE superseded_at IS NULL AND indicator = 'production' AND scope_kind = 'country'
    GROUP BY commodity_code, period_kind, period_start, period_end
),
prices AS (
    SELECT commodity_code, scope_kind, scope_code, period_kind, period_start, period_end, base_unit,
           value_base AS price
    FROM indicator_value WHERE superseded_at IS NULL AND indicator = 'price'
),
returns AS (
    SELECT *, ln(price / nullif(lag(price) OVER w, 0)) AS log_return,
           lag(period_start) OVER w AS previous_start
    FROM prices WHERE period_kind = 'month' AND price > 0
    WINDOW w AS (PARTITION BY commodity_code COLLATE "C", scope_kind COLLATE "C", scope_code COLLATE "C",
                              base_unit COLLATE "C" ORDER BY period_start)
),
volatility AS (
    SELECT *, stddev_samp(log_return) OVER w * sqrt(12) AS vol, count(log_return) OVER w AS n,
           min(previous_start) OVER w AS window_start
    FROM returns
    WINDOW w AS (PARTITION BY commodity_code COLLATE "C", scope_kind COLLATE "C", scope_code COLLATE "C",
                              base_unit COLLATE "C" ORDER BY period_start ROWS BETWEEN 11 PRECEDING AND CURRENT ROW)
),
producing AS (
    SELECT pc.commodity_code, p.country_code, sum(p.capacity * u.to_base) AS capacity
    FROM project p
    JOIN project_commodity pc ON pc.project_id = p.id
    JOIN unit u ON u.code = p.capacity_unit AND u.quantity = 'capacity'
    WHERE p.stage = 'operation' AND p.capacity > 0 AND p.country_code IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM project_commodity other
                      WHERE other.project_id = p.id AND other.commodity_code <> pc.commodity_code)
    GROUP BY pc.commodity_code, p.country_code
),
offtake_years AS (
    SELECT a.commodity_code, coalesce(p.country_code, s.country_code) AS source_country, y.year,
           sum(a.annual_quantity_t
               * (least(coalesce(a.end_on, make_date(y.year, 12, 31)), make_date(y.year, 12, 31))
                  - greatest(a.start_on, make_date(y.year, 1, 1)) + 1)
               / (make_date(y.year, 12, 31) - make_date(y.year, 1, 1) + 1)) AS quantity
    FROM offtake_agreement a
    JOIN chinese_company buyer ON buyer.id = a.buyer_id
    LEFT JOIN project p ON p.id = a.project_id
    LEFT JOIN company s ON s.id = a.seller_id
    CROSS JOIN LATERAL generate_series(
        extract(year FROM a.start_on)::int,
        least(extract(year FROM coalesce(a.end_on, current_date)), extract(year FROM current_date))::int) AS y(year)
    GROUP BY 1, 2, 3
),
offtake_shares AS (
    SELECT commodity_code, year, quantity / nullif(sum(quantity) OVER (PARTITION BY commodity_code, year), 0) AS share,
           row_number() OVER (PARTITION BY commodity_code, year ORDER BY quantity DESC, source_country) AS rank
    FROM offtake_years
),
capacity_shares AS (
    SELECT commodity_code, capacity / nullif(sum(capacity) OVER (PARTITION BY commodity_code), 0) AS share
    FROM producing
)
"""

_SELECTS = """
SELECT 'import_dependence'::text AS indicator, commodity_code, scope_kind, scope_code, period_kind,
       period_start, period_end, (imports - exports) / used AS value, 'ratio'::text AS base_unit
FROM balance WHERE imports IS NOT NULL AND exports IS NOT NULL AND used > 0
UNION ALL
SELECT 'reserve_life', commodity_code, scope_kind, scope_code, period_kind, period_start, period_end,
       reserves / production, 'a'
FROM pivot WHERE period_kind = 'year' AND reserves IS NOT NULL AND production > 0
UNION ALL
SELECT 'supply_hhi', commodity_code, 'world', '', period_kind, period_start, period_end, hhi, 'hhi'
FROM concentration WHERE hhi IS NOT NULL
UNION ALL
SELECT 'top3_share', commodity_code, 'world', '', period_kind, period_start, period_end, top3, 'ratio'
FROM concentration WHERE top3 IS NOT NULL
UNION ALL
SELECT 'capacity_hhi', commodity_code, 'world', '', 'year', make_date(extract(year FROM current_date)::int, 1, 1),
       make_date(extract(year FROM current_date)::int, 12, 31), sum(share * share) * 10000, 'hhi'
FROM capacity_shares WHERE share IS NOT NULL GROUP BY commodity_code
UNION ALL
SELECT 'offtake_hhi', commodity_code, 'country', 'CN', 'year', make_date(year, 1, 1), make_date(year, 12, 31),
       sum(share * share) * 10000, 'hhi'
FROM offtake_shares WHERE share IS NOT NULL GROUP BY commodity_code, year
UNION ALL
SELECT 'offtake_top3_share', commodity_code, 'country', 'CN', 'year', make_date(year, 1, 1), make_date(year, 12, 31),
       sum(share) FILTER (WHERE rank <= 3), 'ratio'
FROM offtake_shares WHERE share IS NOT NULL GROUP BY commodity_code, year
UNION ALL
SELECT 'price_change', now_.commodity_code, now_.scope_kind, now_.scope_code, now_.period_kind,
       now_.period_start, now_.period_end, now_.price / before.price - 1, 'ratio'
FROM prices now_ JOIN prices before
  ON before.commodity_code = now_.commodity_code AND before.scope_kind = now_.scope_kind
 AND before.scope_code = now_.scope_code AND before.period_kind = now_.period_kind
 AND before.base_unit = now_.base_unit AND before.period_start = (now_.period_start - interval '1 year')::date
WHERE before.price > 0
UNION ALL
SELECT 'price_volatility', commodity_code, scope_kind, scope_code, period_kind, period_start, period_end,
       vol, 'ratio'
FROM volatility WHERE n = 12 AND window_start = (period_start - interval '1 year')::date
UNION ALL
SELECT 'inventory_cover', commodity_code, scope_kind, scope_code, period_kind, period_start, period_end,
       inventory / (used / (period_end - period_start + 1)), 'd'
FROM balance WHERE inventory IS NOT NULL AND used > 0
UNION ALL
SELECT 'capacity_use', commodity_code, scope_kind, scope_code, period_kind, period_start, period_end,
       production / (capacity * (period_end - period_start + 1) / 365.25), 'ratio'
FROM pivot WHERE production IS NOT NULL AND capacity > 0
"""
DERIVED = f"WITH {_CTES} {_SELECTS}"
"""The derived series. The volatility needs twelve consecutive months: ``window_start`` checks that
the twelve returns span exactly the year before (a gap in the months gives no value)."""

SERIES = f"""{CURRENT} UNION ALL
    SELECT indicator, commodity_code, scope_kind, scope_code, period_kind, period_start, period_end, value, base_unit
    FROM derived_value
"""
"""Measured and derived series together: what the warning rules judge and the charts draw. The
derived ones are read from ``derived_value``, which each evaluation refreshes from ``DERIVED``."""

REFRESH = f"""
INSERT INTO derived_value (evaluation_id, indicator, commodity_code, scope_kind, scope_code, period_kind,
                           period_start, period_end, value, base_unit)
SELECT :evaluation, indicator, commodity_code, scope_kind, scope_code, period_kind, period_start, period_end,
       value, base_unit
FROM ({DERIVED}) d WHERE value IS NOT NULL
"""
