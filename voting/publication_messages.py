"""Korean-first strings of the public pages of published results: the archive and a snapshot."""
from app.i18n import register_messages

KO = {
    "pub.archive_title": "발표된 순위표",
    "pub.archive_intro": "과학기술정보통신부가 발표한 순위표(스냅샷)를 경연 회차별로 모았습니다. 발표된 스냅샷은 바뀌지 않습니다. "
                         "정정하거나 진행 중인 회차의 순위를 새로 발표할 때는 이전 스냅샷을 대체하는 새 스냅샷을 발표하며, "
                         "대체된 스냅샷도 그대로 남겨 둡니다.",
    "pub.archive_empty": "아직 발표된 순위표가 없습니다.",
    "pub.snapshot": "스냅샷", "pub.published_at": "발표 시각", "pub.vote_count": "투표 수",
    "pub.current": "최신", "pub.superseded": "대체됨",
    "pub.superseded_by": "새 발표: {id}", "pub.supersedes": "이전 발표: {id}",
    "pub.snapshot_title": "발표된 순위표: {round}",
    "pub.frozen_note": "이 순위표는 발표된 뒤 바뀌지 않습니다. 아래 자료를 내려받으면 누구나 같은 결과를 다시 계산할 수 있습니다.",
    "pub.superseded_banner": "이 스냅샷은 새 발표로 대체되었습니다. 최신 발표를 보세요:",
    "pub.category": "분야", "pub.all_categories": "전체 분야",
    "pub.votes_heading": "투표와 제외",
    "pub.votes_total": "전체 투표", "pub.votes_counted": "집계된 투표", "pub.votes_excluded": "제외된 투표",
    "pub.exclusions_heading": "제외 사유별 건수", "pub.no_exclusions": "제외된 투표가 없습니다.",
    "pub.reason": "사유", "pub.count": "건수",
    "pub.exposure_heading": "노출 통계",
    "pub.exposure_intro": "공정한 비교를 위해 모든 모델이 비슷한 횟수로, A와 B 자리에 고르게 나오도록 대결을 배정합니다. "
                          "아래 표는 이 회차에서 실제로 배정된 횟수입니다.",
    "pub.exposure_model": "모델", "pub.exposure_battles": "대결 수", "pub.side_a": "A 자리", "pub.side_b": "B 자리",
    "pub.backend_errors": "응답 오류", "pub.pairs_heading": "모델 쌍별 대결 수", "pub.pair": "모델 쌍",
    "pub.gaps": "가장 많이 나온 모델과 가장 적게 나온 모델의 대결 수 차이는 {models}, 모델 쌍끼리의 차이는 {pairs}, "
                "A 자리와 B 자리의 차이는 {sides}입니다 (한도 {limit}).",
    "pub.within_bound": "한도 이내", "pub.outside_bound": "한도 초과",
    "pub.categories_heading": "분야별 균형", "pub.gap_models": "모델 차이", "pub.gap_pairs": "쌍 차이",
    "pub.gap_sides": "자리 차이", "pub.bound": "한도",
    "pub.provenance": "재현 정보", "pub.vote_set": "투표 집합 SHA-256", "pub.log_head": "투표 기록 체인의 끝 해시",
    "pub.log_seq": "포함된 마지막 투표 기록 번호", "pub.code_version": "코드 버전",
    "pub.protocol_version": "프로토콜 버전", "pub.method": "계산 방법",
    "pub.protocol_heading": "계산 규칙 (프로토콜)", "pub.protocol_raw": "원본 (JSON)",
    "pub.downloads": "내려받기", "pub.download_votes": "투표 자료 (JSON Lines)",
    "pub.download_log": "투표 기록 체인 (JSON Lines)", "pub.download_csv": "순위표 (CSV)",
    "pub.download_json": "순위표 (JSON)",
    "pub.verify_heading": "직접 검증하기",
    "pub.verify_intro": "파이썬 3.11 이상과 numpy, 이 저장소의 voting 폴더만 있으면 됩니다. 아래 명령은 세 파일(스냅샷, 투표 자료, "
                        "투표 기록 체인)을 release 폴더에 내려받아 검증합니다. 데이터베이스나 계정 없이 이 순위표를 처음부터 "
                        "다시 계산해 발표와 일치하면 'match'를, 다르면 처음 달라지는 곳을 알려 줍니다.",
    "pub.verify_app": "이 애플리케이션을 설치했다면 같은 검증을 이렇게도 할 수 있습니다:",
    "pub.unrated": "대결이 없어 순위를 매기지 않은 모델: {names}",
    "pub.rank_note": "순위는 신뢰구간으로 정합니다. 신뢰구간이 겹쳐 통계적으로 구별되지 않는 모델은 같은 순위를 받습니다.",
    "pub.notes": "비고", "pub.archive_link": "발표 기록 전체 보기", "pub.methodology_link": "계산 방법 설명",
    "pub.not_found": "없는 스냅샷입니다.",
    "board.round": "경연 회차", "board.show_round": "이 회차 보기",
    "board.round_status.draft": "준비 중", "board.round_status.open": "진행 중",
    "board.round_status.closed": "마감", "board.round_status.published": "발표됨",
    "protocol.method": "브래들리-테리 모형을 최대우도법으로 맞춰, 집계된 모든 투표로 한꺼번에 점수를 계산합니다.",
    "protocol.scale": "점수가 {scale}점 높으면 이길 가능성이 질 가능성의 {base}배입니다. 점수의 평균은 {initial}점에 맞춥니다.",
    "protocol.ci": "{confidence}% 신뢰구간은 투표를 무작위로 다시 뽑아 {rounds}번 다시 계산한 결과(부트스트랩, 난수 시드 {seed})로 구합니다.",
    "protocol.min_battles": "대결이 {n}번 미만인 모델은 '잠정'으로 표시합니다. 투표가 더 모이면 순위가 바뀔 수 있습니다.",
    "protocol.ties": "무승부와 '둘 다 나쁨'은 두 모델에 반 승씩 셉니다.",
    "protocol.exclusions": "다음 사유의 투표는 집계에서 뺍니다: {reasons}.",
    "protocol.no_exclusions": "사유가 있어도 집계에서 빼는 투표가 없습니다.",
    "protocol.lexicon": "모델 정체 노출을 찾는 어휘 목록: 버전 {v}.",
    "reason.identity_leak": "모델 정체 노출", "reason.answer_seen": "이미 공개된 답변의 재등장",
    "reason.moderation": "운영진 검토", "reason.anomaly": "비정상 투표 패턴",
    "reason.suspended_user": "정지된 계정", "reason.backend_error": "모델 응답 오류",
    "reason.conflict_of_interest": "이해관계 신고",
    "board.too_few": "표본 부족",
    "board.too_few_note": "대결이 기준보다 적거나, 순위가 매겨진 모델을 상대로 이긴 적과 진 적이 모두 있지는 않아 순위를 "
                          "매기지 않습니다. 점수와 범위는 순위가 매겨진 모델들의 점수를 고정해 두고 계산한 참고값입니다.",
    "board.group": "그룹 {n}",
    "board.disconnected_note": "서로 한 번도 맞붙지 않은 모델 그룹이 있습니다. 순위는 그룹 안에서만 정하며, 다른 그룹의 "
                               "점수나 순위와는 비교할 수 없습니다.",
    "pub.rating_method": "점수 계산 버전",
    "protocol.method_anchored": "브래들리-테리 모형을 최대우도법으로 맞춥니다. 순위를 매길 수 있는 모델만으로 맞추고, "
                                "투표가 적은 모델은 다른 모델의 점수에 영향을 주지 않습니다.",
    "protocol.scale_anchored": "점수가 {scale}점 높으면 이길 가능성이 질 가능성의 {base}배입니다. 서로 맞붙은 모델 그룹마다 "
                               "순위가 매겨진 모델들의 평균을 {initial}점에 맞춥니다.",
    "protocol.ci_anchored": "{confidence}% 신뢰구간은 투표 하나하나가 점수를 얼마나 흔드는지로 계산한 강건(샌드위치) "
                            "표준오차로 구합니다. 난수를 쓰지 않아 누가 계산해도 같습니다.",
    "protocol.min_battles_anchored": "대결이 {n}번 미만이거나, 순위가 매겨진 모델을 상대로 이긴 적과 진 적이 모두 있지는 "
                                     "않은 모델은 '표본 부족'으로 표시하고 순위를 매기지 않습니다.",
}

EN = {
    "pub.archive_title": "Published leaderboards",
    "pub.archive_intro": "Every leaderboard (snapshot) the Ministry of Science and ICT published, by round. A published "
                         "snapshot never changes. A correction, or a newer board of a running round, is a new snapshot "
                         "that replaces the earlier one; the earlier one stays here as it was.",
    "pub.archive_empty": "No leaderboard has been published yet.",
    "pub.snapshot": "Snapshot", "pub.published_at": "Published", "pub.vote_count": "Votes",
    "pub.current": "Current", "pub.superseded": "Superseded",
    "pub.superseded_by": "Replaced by {id}", "pub.supersedes": "Replaces {id}",
    "pub.snapshot_title": "Published leaderboard: {round}",
    "pub.frozen_note": "This leaderboard does not change after publication. Download the files below and anyone can "
                       "compute the same result again.",
    "pub.superseded_banner": "A newer publication replaces this snapshot. See the current one:",
    "pub.category": "Category", "pub.all_categories": "All categories",
    "pub.votes_heading": "Votes and exclusions",
    "pub.votes_total": "All votes", "pub.votes_counted": "Counted votes", "pub.votes_excluded": "Excluded votes",
    "pub.exclusions_heading": "Excluded votes by reason", "pub.no_exclusions": "No vote was excluded.",
    "pub.reason": "Reason", "pub.count": "Votes",
    "pub.exposure_heading": "Exposure",
    "pub.exposure_intro": "For a fair comparison, battles are assigned so that every model appears about equally often, "
                          "and equally often as A and as B. This table shows the battles each model actually got.",
    "pub.exposure_model": "Model", "pub.exposure_battles": "Battles", "pub.side_a": "As A", "pub.side_b": "As B",
    "pub.backend_errors": "Answer errors", "pub.pairs_heading": "Battles per pair of models", "pub.pair": "Pair",
    "pub.gaps": "The most and the least shown models differ by {models} battles, pairs of models by {pairs}, "
                "and the A and B sides by {sides} (limit {limit}).",
    "pub.within_bound": "Within the limit", "pub.outside_bound": "Over the limit",
    "pub.categories_heading": "Balance per category", "pub.gap_models": "Model gap", "pub.gap_pairs": "Pair gap",
    "pub.gap_sides": "Side gap", "pub.bound": "Limit",
    "pub.provenance": "Reproducibility", "pub.vote_set": "Vote set SHA-256", "pub.log_head": "Vote log chain head",
    "pub.log_seq": "Last vote log record included", "pub.code_version": "Code version",
    "pub.protocol_version": "Protocol version", "pub.method": "Method",
    "pub.protocol_heading": "Rules of computation (protocol)", "pub.protocol_raw": "As published (JSON)",
    "pub.downloads": "Downloads", "pub.download_votes": "Votes (JSON Lines)",
    "pub.download_log": "Vote log chain (JSON Lines)", "pub.download_csv": "Leaderboard (CSV)",
    "pub.download_json": "Leaderboard (JSON)",
    "pub.verify_heading": "Verify it yourself",
    "pub.verify_intro": "You need Python 3.11+, numpy and this repository's voting folder. The commands below fetch "
                        "the three files (the snapshot, the votes, the vote log chain) into a folder named release and "
                        "verify them. Without any database or account, the leaderboard is recomputed from scratch: it "
                        "prints 'match', or where it first differs from the publication.",
    "pub.verify_app": "With the application installed, the same check runs as:",
    "pub.unrated": "Models without battles, not ranked: {names}",
    "pub.rank_note": "Ranks come from the confidence intervals: models whose intervals overlap cannot be told apart "
                     "statistically and share a rank.",
    "pub.notes": "Notes", "pub.archive_link": "All publications", "pub.methodology_link": "How it is computed",
    "pub.not_found": "No such snapshot.",
    "board.round": "Round", "board.show_round": "Show this round",
    "board.round_status.draft": "Draft", "board.round_status.open": "Open",
    "board.round_status.closed": "Closed", "board.round_status.published": "Published",
    "protocol.method": "A Bradley-Terry model is fitted by maximum likelihood to all counted votes at once.",
    "protocol.scale": "A model {scale} points higher is {base} times as likely to win as to lose. Scores are set to "
                      "average {initial}.",
    "protocol.ci": "The {confidence}% confidence interval comes from recomputing the scores {rounds} times on votes drawn "
                   "again at random (bootstrap, random seed {seed}).",
    "protocol.min_battles": "A model with fewer than {n} battles is marked provisional: its rank may change as votes "
                            "come in.",
    "protocol.ties": "A tie, and 'both bad', count as half a win for each model.",
    "protocol.exclusions": "Votes with these reasons are left out of the count: {reasons}.",
    "protocol.no_exclusions": "No vote is left out of the count for any reason.",
    "protocol.lexicon": "Word list used to catch answers revealing a model's identity: version {v}.",
    "reason.identity_leak": "Model identity revealed", "reason.answer_seen": "Already revealed answer shown again",
    "reason.moderation": "Moderator review", "reason.anomaly": "Anomalous voting pattern",
    "reason.suspended_user": "Suspended account", "reason.backend_error": "Model answer failed",
    "reason.conflict_of_interest": "Declared conflict of interest",
    "board.too_few": "too few votes",
    "board.too_few_note": "Fewer battles than the threshold, or not both a win and a loss against the ranked models: "
                          "not ranked. Its score and range are for reference, computed with the ranked models' scores "
                          "held fixed.",
    "board.group": "group {n}",
    "board.disconnected_note": "Some groups of models have never met each other. Ranks are given within a group only; "
                               "scores and ranks of different groups cannot be compared.",
    "pub.rating_method": "Rating method version",
    "protocol.method_anchored": "A Bradley-Terry model is fitted by maximum likelihood to the models that can be ranked; "
                                "a model with few votes does not move anyone else's score.",
    "protocol.scale_anchored": "A model {scale} points higher is {base} times as likely to win as to lose. In each group "
                               "of models that met, the ranked models' scores are set to average {initial}.",
    "protocol.ci_anchored": "The {confidence}% confidence interval comes from robust (sandwich) standard errors, which "
                            "measure how much each vote moves the scores. No random numbers: anyone gets the same.",
    "protocol.min_battles_anchored": "A model with fewer than {n} battles, or without both a win and a loss against the "
                                     "ranked models, is shown as 'too few votes' and not ranked.",
    "error.unknown_snapshot": "No such snapshot.",
}
KO["error.unknown_snapshot"] = KO["pub.not_found"]


def register() -> None:
    """Add the publication strings to the shared catalogue."""
    register_messages("ko", KO)
    register_messages("en", EN)
