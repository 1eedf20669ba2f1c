-- One search (geoplatform/search.py): the page of ranked results and the facets of every match.
-- Bound: q, q_prefix, commodities, place_country, place_province, kinds, f_commodity, f_country,
-- f_province, f_status, f_west, f_south, f_east, f_north (the area searched), limit, offset. Rows with facet IS NULL are results, in rank order.
WITH matched AS (
    -- Each way of matching is its own branch with one indexable condition (the tokens by GIN; a
    -- branch whose value is NULL or empty is planned away), so no branch scans the table.
    SELECT 'deposit' AS type, d.id FROM deposit d
    WHERE 'deposit' = ANY(CAST(:kinds AS text[]))
      AND cardinality(gp_search_query_tokens(CAST(:q AS text))) > 0
      AND d.search_tokens @> gp_search_query_tokens(CAST(:q AS text))
    UNION
    SELECT 'deposit', dc.deposit_id FROM deposit_commodity dc
    WHERE 'deposit' = ANY(CAST(:kinds AS text[])) AND dc.commodity_code = ANY(CAST(:commodities AS text[]))
    UNION
    SELECT 'deposit', d.id FROM deposit d
    WHERE 'deposit' = ANY(CAST(:kinds AS text[])) AND d.country_code = CAST(:place_country AS text)
    UNION
    SELECT 'deposit', d.id FROM deposit d
    WHERE 'deposit' = ANY(CAST(:kinds AS text[])) AND d.region_code LIKE left(CAST(:place_province AS text), 2) || '%'
    UNION
    SELECT 'project', p.id FROM project p
    WHERE 'project' = ANY(CAST(:kinds AS text[]))
      AND cardinality(gp_search_query_tokens(CAST(:q AS text))) > 0
      AND p.search_tokens @> gp_search_query_tokens(CAST(:q AS text))
    UNION
    SELECT 'project', pc.project_id FROM project_commodity pc
    WHERE 'project' = ANY(CAST(:kinds AS text[])) AND pc.commodity_code = ANY(CAST(:commodities AS text[]))
    UNION
    SELECT 'project', p.id FROM project p
    WHERE 'project' = ANY(CAST(:kinds AS text[])) AND p.country_code = CAST(:place_country AS text)
    UNION
    SELECT 'project', p.id FROM project p
    WHERE 'project' = ANY(CAST(:kinds AS text[])) AND p.region_code LIKE left(CAST(:place_province AS text), 2) || '%'
    UNION
    SELECT 'company', c.id FROM company c
    WHERE 'company' = ANY(CAST(:kinds AS text[])) AND c.key IS NOT NULL
      AND cardinality(gp_search_query_tokens(CAST(:q AS text))) > 0
      AND c.search_tokens @> gp_search_query_tokens(CAST(:q AS text))
),
hits AS (
    SELECT 'deposit' AS type, d.code, d.name, d.name_zh, d.name_en, d.country_code, d.region_code,
           d.status, ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat,
           ARRAY(SELECT dc.commodity_code FROM deposit_commodity dc WHERE dc.deposit_id = d.id
                 ORDER BY dc.role <> 'primary', dc.commodity_code) AS commodities,
           d.search_tokens @> gp_search_query_tokens(CAST(:q AS text)) AS by_name
    FROM matched m JOIN deposit d ON d.id = m.id WHERE m.type = 'deposit'
    UNION ALL
    SELECT 'project', p.code, p.name, p.name_zh, p.name_en, p.country_code, p.region_code,
           p.stage, ST_X(p.geom), ST_Y(p.geom),
           ARRAY(SELECT pc.commodity_code FROM project_commodity pc WHERE pc.project_id = p.id
                 ORDER BY pc.commodity_code),
           p.search_tokens @> gp_search_query_tokens(CAST(:q AS text))
    FROM matched m JOIN project p ON p.id = m.id WHERE m.type = 'project'
    UNION ALL
    SELECT 'company', c.key, c.name, c.name_zh, c.name_en, c.country_code, NULL, NULL, NULL, NULL,
           CAST(NULL AS text[]), true
    FROM matched m JOIN company c ON c.id = m.id WHERE m.type = 'company'
),
filtered AS (
    SELECT * FROM hits
    WHERE (CAST(:f_commodity AS text) IS NULL OR CAST(:f_commodity AS text) = ANY(commodities))
      AND (CAST(:f_country AS text) IS NULL OR country_code = CAST(:f_country AS text))
      AND (CAST(:f_province AS text) IS NULL OR left(region_code, 2) = left(CAST(:f_province AS text), 2))
      AND (CAST(:f_status AS text) IS NULL OR status = CAST(:f_status AS text))
      AND (CAST(:f_west AS float8) IS NULL
           OR (lon BETWEEN CAST(:f_west AS float8) AND CAST(:f_east AS float8)
               AND lat BETWEEN CAST(:f_south AS float8) AND CAST(:f_north AS float8)))
),
scored AS (
    SELECT f.*,
           CASE WHEN lower(f.code) = lower(CAST(:q AS text)) THEN 100 ELSE 0 END
           + CASE WHEN f.name_zh = CAST(:q AS text) OR f.name = CAST(:q AS text)
                       OR lower(f.name_en) = lower(CAST(:q AS text)) THEN 50 ELSE 0 END
           + CASE WHEN f.name_zh LIKE CAST(:q_prefix AS text) OR lower(f.name) LIKE CAST(:q_prefix AS text)
                       OR lower(f.name_en) LIKE CAST(:q_prefix AS text) THEN 20 ELSE 0 END
           + CASE WHEN f.by_name THEN 10 ELSE 0 END
           + CASE f.type WHEN 'deposit' THEN 2 WHEN 'project' THEN 1 ELSE 0 END
           - char_length(coalesce(f.name_zh, f.name)) / 100.0 AS score
    FROM filtered f
),
page AS (
    SELECT s.*, row_number() OVER (ORDER BY s.score DESC, s.code) AS rank
    FROM scored s
    ORDER BY s.score DESC, s.code
    LIMIT :limit OFFSET :offset
),
facets AS (
    SELECT 'type' AS facet, type AS value, count(*) AS n FROM filtered GROUP BY type
    UNION ALL
    SELECT 'commodity', listed.commodity, count(*) FROM filtered, unnest(commodities) AS listed(commodity)
    GROUP BY listed.commodity
    UNION ALL
    SELECT 'status', status, count(*) FROM filtered WHERE status IS NOT NULL GROUP BY status
    UNION ALL
    SELECT 'country', country_code, count(*) FROM filtered WHERE country_code IS NOT NULL GROUP BY country_code
    UNION ALL
    SELECT 'province', left(region_code, 2) || '0000', count(*) FROM filtered
    WHERE region_code IS NOT NULL GROUP BY left(region_code, 2)
),
total AS (
    SELECT count(*) AS total FROM filtered
)
SELECT NULL AS facet, NULL AS value, NULL::bigint AS n, p.rank AS ord, p.type, p.code, p.name, p.name_zh,
       p.name_en, p.country_code, p.region_code, p.status, p.commodities, p.lon, p.lat,
       round(p.score::numeric, 2)::float AS score, total.total
FROM page p, total
UNION ALL
SELECT f.facet, f.value, f.n, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       total.total
FROM facets f, total
ORDER BY facet NULLS FIRST, ord, n DESC
