"""round lock reads: the round's draw lock and its vote-log append, each with what it reads, in one call

A battle start took the round's draw lock in one statement and read the round's exposure counts in the
next; a vote took the round's write lock in one statement and appended its log record in the next. Each
lock is held until COMMIT, so every client round trip after it is time the round's other starts or votes
wait. These PostgreSQL functions take the lock and then read (and append) in one call: a VOLATILE
function's queries each see a fresh snapshot, so what they read is everything committed before the lock
was granted. The lock keys are those of contest.queries (`arena-draw:<round>`, `arena-log:<round>`), so
closing, publishing and exclusions, which take the round's write lock on their own, still serialise with
the votes. SQLite (one writer) needs none of this.

`arena_append_log` writes the record at the next seq: the record's text is `p_before || seq || p_after`
(the app's canonical JSON around its seq), its hash SHA-256 over the previous hash, a newline and the
record, as voting.log.link_hash; with `p_open_at`, only while the round is open at that moment (no row:
the vote is refused). The app checks the returned hash against its own before it commits.

Revision ID: 0014
Revises: 0013
"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

GENESIS = "0" * 64

DRAW = """
CREATE FUNCTION arena_draw_exposure(p_round text)
RETURNS TABLE (out_category text, out_model_a integer, out_model_b integer, out_battles integer)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('arena-draw:' || p_round, 0));
    RETURN QUERY SELECT e.category::text, e.model_a_id, e.model_b_id, e.battles
                 FROM round_exposure e WHERE e.round_id = p_round;
END $$
"""

APPEND = f"""
CREATE FUNCTION arena_append_log(p_round text, p_vote text, p_kind text, p_before text, p_after text,
                                 p_created timestamp, p_open_at timestamp)
RETURNS TABLE (out_seq integer, out_prev_hash text, out_hash text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('arena-log:' || p_round, 0));
    RETURN QUERY
    WITH head AS (
        SELECT coalesce(max(l.seq), 0) + 1 AS seq,
               coalesce((SELECT l2.hash FROM vote_log l2 WHERE l2.round_id = p_round
                         ORDER BY l2.seq DESC LIMIT 1), '{GENESIS}') AS prev
        FROM vote_log l WHERE l.round_id = p_round
    ), next AS (
        SELECT h.seq, h.prev, p_before || h.seq::text || p_after AS record FROM head h
    )
    INSERT INTO vote_log AS v (round_id, seq, kind, vote_id, record, prev_hash, hash, created_at)
    SELECT p_round, n.seq, p_kind, p_vote, n.record, n.prev,
           encode(sha256(convert_to(n.prev || E'\\n' || n.record, 'UTF8')), 'hex'), p_created
    FROM next n JOIN rounds r ON r.id = p_round
    WHERE p_open_at IS NULL OR (r.status = 'open' AND r.opens_at <= p_open_at AND r.closes_at > p_open_at)
    RETURNING v.seq, v.prev_hash::text, v.hash::text;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DRAW)
        op.execute(APPEND)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS arena_append_log(text, text, text, text, text, timestamp, timestamp)")
        op.execute("DROP FUNCTION IF EXISTS arena_draw_exposure(text)")
