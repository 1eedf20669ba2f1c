"""Search: tokens of every deposit, project and company name, code, pinyin and simplified form.

pg_trgm extracts no trigrams from Chinese in a database whose LC_CTYPE is C (the embedded cluster's),
and its index cannot serve one- or two-character terms (铜, 稀土) anyway; no Chinese parser extension
is packaged in Debian. So the tokens are made here, independent of the locale:

* Han characters (CJK Unified Ideographs and extension A, compatibility ideographs): every character
  and every pair of neighbours, so that one character finds it and a longer term is the AND of its
  pairs (甲基卡 = 甲基 ∧ 基卡);
* Latin letters and digits: every prefix of each word from 2 to 20 characters, so that a word or the
  start of one finds it (``lith``, ``jiaji``, ``dep``);

from the code, the names and ``search_extra``: the pinyin and the simplified spelling of the names,
written by ``geoplatform.search`` (Python: pypinyin and OpenCC), set back to NULL by a trigger when
a name changes and filled again before the next search. ``search_tokens`` is a stored generated
column with a GIN index.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 15:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {"deposit": "code", "project": "code", "company": "key"}


def upgrade() -> None:
    op.execute(
        r"""
        CREATE FUNCTION gp_search_tokens(parts text[]) RETURNS text[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT coalesce(array_agg(DISTINCT token ORDER BY token), '{}')
            FROM (
                SELECT substr(m[1], i, n) AS token
                FROM unnest(parts) AS part,
                     regexp_matches(lower(part), '[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+', 'g') AS m,
                     generate_series(1, char_length(m[1])) AS i,
                     (VALUES (1), (2)) AS lengths(n)
                WHERE i + n - 1 <= char_length(m[1])
                UNION ALL
                SELECT left(w[1], k)
                FROM unnest(parts) AS part,
                     regexp_matches(lower(part), '[a-z0-9]+', 'g') AS w,
                     generate_series(2, least(char_length(w[1]), 20)) AS k
            ) AS tokens
        $$;
        CREATE FUNCTION gp_search_query_tokens(query text) RETURNS text[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT coalesce(array_agg(DISTINCT token ORDER BY token), '{}')
            FROM (
                SELECT CASE WHEN char_length(m[1]) = 1 THEN m[1] ELSE substr(m[1], i, 2) END AS token
                FROM regexp_matches(lower(query), '[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+', 'g') AS m,
                     generate_series(1, greatest(char_length(m[1]) - 1, 1)) AS i
                UNION ALL
                SELECT left(w[1], 20)
                FROM regexp_matches(lower(query), '[a-z0-9]+', 'g') AS w
                WHERE char_length(w[1]) >= 2
            ) AS tokens
        $$;
        CREATE FUNCTION gp_search_extra_reset() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.name IS DISTINCT FROM OLD.name OR NEW.name_zh IS DISTINCT FROM OLD.name_zh
               OR NEW.name_en IS DISTINCT FROM OLD.name_en THEN
                NEW.search_extra := NULL;
            END IF;
            RETURN NEW;
        END $$;
        """
    )
    for table, code in TABLES.items():
        op.execute(
            f"""
            ALTER TABLE {table} ADD COLUMN search_extra text;
            ALTER TABLE {table} ADD COLUMN search_tokens text[]
                GENERATED ALWAYS AS (gp_search_tokens(ARRAY[{code}, name, name_zh, name_en, search_extra])) STORED;
            CREATE INDEX ix_{table}_search_tokens ON {table} USING gin (search_tokens);
            CREATE INDEX ix_{table}_search_extra_missing ON {table} (id) WHERE search_extra IS NULL;
            CREATE TRIGGER trg_{table}_search_extra BEFORE UPDATE ON {table}
                FOR EACH ROW EXECUTE FUNCTION gp_search_extra_reset();
            """
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(
            f"""
            DROP TRIGGER trg_{table}_search_extra ON {table};
            ALTER TABLE {table} DROP COLUMN search_tokens;
            ALTER TABLE {table} DROP COLUMN search_extra;
            """
        )
    op.execute(
        "DROP FUNCTION gp_search_extra_reset(); DROP FUNCTION gp_search_query_tokens(text); "
        "DROP FUNCTION gp_search_tokens(text[]);"
    )
