"""(d) The sybil simulation: campaign votes caught, honest voters flagged, the target's rank (anti_abuse.sybil)."""
from __future__ import annotations

from dataclasses import replace

from anti_abuse.sybil import STRATEGIES, SimConfig, simulate

# The size the detectors must handle (100k honest votes, 10k voters); the campaign adds votes for the
# target worth 4 % of the honest votes, first from 100 accounts (about 40 each), then spread thin over
# 1,000 accounts (about 4 each: only the cohort test sees those).
BENCH = SimConfig(honest_voters=10_000, honest_votes=100_000, sybil_accounts=100)
ACCOUNTS = (100, 1_000)


def run(config: SimConfig = BENCH, accounts: tuple[int, ...] = ACCOUNTS, seeds: tuple[int, ...] = ()) -> list[dict]:
    """Prints one table per seed (the config's own when none are given), a row per strategy and campaign
    size; returns the rows."""
    rows = []
    for seed in seeds or (config.seed,):
        rows += _rows(replace(config, seed=seed), accounts)
        print(table(rows[-len(accounts) * len(STRATEGIES):], replace(config, seed=seed)))
    return rows


def _rows(config: SimConfig, accounts: tuple[int, ...]) -> list[dict]:
    rows = []
    for size in accounts:
        for strategy in STRATEGIES:
            r = simulate(strategy, replace(config, sybil_accounts=size))
            rows.append({"strategy": strategy, "accounts": size, "seed": config.seed,
                         "campaign_votes": r.campaign_votes,
                         "campaign_boosts": r.campaign_boosts, "caught": r.caught, "caught_boosts": r.caught_boosts,
                         "honest_voters": r.honest_voters, "honest_flagged": r.honest_flagged,
                         "rank_honest": r.rank_honest, "rank_during": r.rank_during, "rank_after": r.rank_after,
                         "rating_honest": r.rating_honest, "rating_during": r.rating_during,
                         "rating_after": r.rating_after, "detect_s": r.detect_seconds, "findings": r.findings})
    return rows


def table(rows: list[dict], config: SimConfig) -> str:
    """Markdown table with the goals checked (caught >= 90 %, honest flagged <= 1 %, rank restored)."""
    lines = [f"sybil simulation: {config.honest_votes:,} honest votes by {config.honest_voters:,} voters, "
             f"{config.n_models} models, target true rank {config.target_rank}, seed {config.seed}",
             "| strategy | accounts | campaign votes (for target) | caught % (of votes for target) | "
             "honest voters flagged % | target rank honest / during / after | rating honest / during / after "
             "| detect s | goals |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ok = r["caught"] >= 0.9 and r["honest_flagged"] <= 0.01 and r["rank_after"] == r["rank_honest"]
        lines.append(
            f"| {r['strategy']} | {r['accounts']:,} | {r['campaign_votes']:,} ({r['campaign_boosts']:,}) | "
            f"{100 * r['caught']:.1f} ({100 * r['caught_boosts']:.1f}) | {100 * r['honest_flagged']:.2f} | "
            f"{r['rank_honest']} / {r['rank_during']} / {r['rank_after']} | "
            f"{r['rating_honest']:.0f} / {r['rating_during']:.0f} / {r['rating_after']:.0f} | {r['detect_s']:.2f} | "
            f"{'ok' if ok else 'MISSED'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    run()
