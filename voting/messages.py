"""Korean-first strings of the voting pages and errors."""
from app.i18n import register_messages

KO = {
    "nav.leaderboard": "순위표",
    "board.heading": "순위표",
    "board.intro": "시민이 두 답변을 비교해 고른 표를 모아 계산한 순위입니다. 점수 옆의 범위는 95% 신뢰구간이며, "
                   "신뢰구간이 겹치는 모델은 같은 순위일 수 있습니다.",
    "board.howto_link": "순위표 읽는 법",
    "board.prompt_lang": "프롬프트 언어", "board.prompt_lang.all": "전체",
    "board.prompt_lang.ko": "한국어 프롬프트", "board.prompt_lang.en": "영어 프롬프트",
    "board.demo_votes": "데모: 이 순위표의 표는 화면이 어떻게 보이는지 보여 주려고 만든 예시 투표입니다. "
                        "실제 시민의 투표가 아닙니다.",
    "board.kst": "(한국 표준시, KST)",
    "board.rank_n": "{n}위",
    "board.too_few_all": "아직 어느 모델도 순위를 매길 만큼 표가 모이지 않아 점수와 순위 대신 '표본 부족'으로 "
                         "표시합니다. 표가 더 모이면 점수와 순위가 나타납니다.",
    "board.chart_withheld": "순위가 매겨진 모델이 없어 점수 그래프는 아직 그리지 않습니다.",
    "board.heatmap_order": "모델 순서는 위 표의 순위와 같습니다. 칸의 숫자는 왼쪽(행) 모델이 위쪽(열) 모델을 이긴 "
                           "비율이고 n은 두 모델의 대결 수입니다(대결이 적으면 비율이 크게 흔들립니다). 위쪽 번호는 "
                           "왼쪽 번호와 같은 모델입니다.",
    "board.howto": "순위표 읽는 법",
    "board.howto_score": "점수는 시민 투표의 승패로 계산합니다. 기준은 {initial}점이고, 점수가 100점 높은 모델은 "
                         "낮은 모델을 약 {p}%의 확률로 이긴다고 봅니다.",
    "board.howto_ci": "점수 옆의 범위는 {confidence}% 신뢰구간입니다. 표가 더 모이면 점수가 움직일 수 있는데, 실제 점수는 "
                      "대개 이 범위 안에 있다고 봅니다. 표가 적을수록 범위가 넓습니다.",
    "board.howto_shared_term": "공동 순위",
    "board.howto_shared": "두 모델의 신뢰구간이 겹치면 어느 쪽이 낫다고 말할 수 없어 같은 순위가 될 수 있습니다. "
                          "순위는 '신뢰구간이 확실히 더 높은 모델의 수 + 1'입니다.",
    "board.howto_too_few": "대결이 {n}번 미만이거나 승패 기록이 한쪽으로만 쌓인 모델은 점수와 순위 대신 '표본 부족'으로 "
                           "표시합니다. 표가 모이면 순위가 매겨집니다.",
    "board.howto_more": "계산 방법 자세히 보기",
    "error.unknown_prompt_lang": "프롬프트 언어는 all, ko, en 중 하나여야 합니다.",
    "board.category": "분야", "board.all": "전체", "board.show": "보기",
    "board.rank": "순위", "board.model": "모델", "board.team": "팀", "board.rating": "점수",
    "board.ci": "95% 신뢰구간", "board.battles": "대결 수", "board.win_rate": "승률",
    "board.provisional": "잠정", "board.provisional_note": "투표 수가 적어 순위가 바뀔 수 있습니다.",
    "board.votes": "집계된 투표: {n}건", "board.updated": "갱신 시각",
    "board.empty": "아직 집계된 투표가 없습니다.",
    "board.unrated": "아직 대결이 없는 모델: {names}",
    "board.ci_chart": "점수와 95% 신뢰구간", "board.ci_chart_desc": "가로 막대는 신뢰구간, 점은 점수입니다.",
    "board.heatmap": "모델 간 승률", "board.heatmap_desc": "행 모델이 열 모델을 이긴 비율 (무승부는 절반).",
    "board.method": "계산 방법", "board.live": "이 페이지는 자동으로 갱신됩니다.",
    "error.invalid_winner": "투표 값은 a, b, tie, bothbad 중 하나여야 합니다.",
    "error.battle_not_found": "대결을 찾을 수 없습니다.",
    "error.already_voted": "이미 투표한 대결입니다.",
    "error.battle_not_ready": "두 답변이 모두 끝난 뒤에 투표할 수 있습니다.",
    "error.battle_voided": "오류로 무효 처리된 대결이라 투표할 수 없습니다.",
    "error.round_closed": "경연 기간이 끝나 투표할 수 없습니다.",
    "error.daily_cap": "이 경연 회차에서 하루에 할 수 있는 투표 수를 모두 사용했습니다. 나중에 다시 투표해 주세요.",
    "error.unknown_round": "없는 경연 회차입니다.",
    # snapshots (voting/snapshot_routes.py)
    "error.unknown_snapshot": "없는 스냅샷입니다.",
    "error.round_not_started": "아직 시작하지 않은(초안) 경연 회차는 게시할 수 없습니다.",
    "error.supersedes_other_round": "정정 대상 스냅샷은 같은 경연 회차의 것이어야 합니다.",
    "error.already_superseded": "이미 다른 스냅샷으로 정정된 스냅샷입니다. 가장 최근 스냅샷을 정정하세요.",
    "error.vote_log_broken": "투표 기록의 해시 체인이 맞지 않아 게시할 수 없습니다. 관리자에게 알려 주세요.",
    "error.vote_log_incomplete": "투표 기록에 빠진 투표가 있어 게시할 수 없습니다. 관리자에게 알려 주세요.",
    # Why a stored vote does not count (voting.models.EXCLUSION_REASONS).
    "exclusion.identity_leak": "답변에 모델이나 개발사를 알 수 있는 이름이 나와 이 대결은 집계에서 제외됩니다.",
    "exclusion.answer_seen": "이전 투표에서 어느 모델의 답변인지 공개된 답변이 이 대결에 다시 나와 집계에서 제외됩니다.",
    "exclusion.moderation": "운영진의 검토에 따라 집계에서 제외되었습니다.",
    "exclusion.anomaly": "비정상적인 투표 패턴이 감지되어 집계에서 제외되었습니다.",
    "exclusion.suspended_user": "이용이 정지된 계정의 투표라 집계에서 제외되었습니다.",
    "exclusion.backend_error": "모델 오류가 있었던 대결이라 집계에서 제외되었습니다.",
    "exclusion.conflict_of_interest": "신고하신 이해관계가 있는 팀의 모델이 나온 대결이라 집계에서 제외되었습니다.",
}
EN = {
    "nav.leaderboard": "Leaderboard",
    "board.heading": "Leaderboard",
    "board.intro": "A ranking computed from citizens' votes between two answers. The range beside each score is its "
                   "95% confidence interval; models whose intervals overlap may share a rank.",
    "board.howto_link": "How to read this board",
    "board.prompt_lang": "Prompt language", "board.prompt_lang.all": "All",
    "board.prompt_lang.ko": "Korean prompts", "board.prompt_lang.en": "English prompts",
    "board.demo_votes": "Demo: the votes on this board are made-up examples that show what the board looks like, "
                        "not citizens' votes.",
    "board.kst": "KST (Korea Standard Time)",
    "board.rank_n": "#{n}",
    "board.too_few_all": "No model has enough votes to be ranked yet, so 'too few votes' is shown instead of scores "
                         "and ranks. They appear once more votes come in.",
    "board.chart_withheld": "No model is ranked yet, so the score chart is not drawn.",
    "board.heatmap_order": "Models are in the table's rank order. Each cell is the share of battles the model on the "
                           "left (row) won against the model on top (column), and n the number of their battles (few "
                           "battles, shaky shares); the numbers on top are the same models as those on the left.",
    "board.howto": "How to read the leaderboard",
    "board.howto_score": "Scores come from the wins and losses in citizens' votes. {initial} is the reference point; "
                         "a model 100 points higher is expected to win about {p}% of the time.",
    "board.howto_ci": "The range beside a score is its {confidence}% confidence interval: scores can still move as "
                      "votes come in, and the true score most likely lies in this range. Fewer votes, wider range.",
    "board.howto_shared_term": "Shared rank",
    "board.howto_shared": "When two models' intervals overlap, neither can be said to be better, so they may share a "
                          "rank. A model's rank is one plus the number of models whose interval lies wholly above its own.",
    "board.howto_too_few": "A model with fewer than {n} battles, or whose record is all wins or all losses, shows "
                           "'too few votes' instead of a score and a rank until more votes come in.",
    "board.howto_more": "More on the method",
    "error.unknown_prompt_lang": "prompt_lang must be one of all, ko, en.",
    "board.category": "Category", "board.all": "All", "board.show": "Show",
    "board.rank": "Rank", "board.model": "Model", "board.team": "Team", "board.rating": "Rating",
    "board.ci": "95% CI", "board.battles": "Battles", "board.win_rate": "Win rate",
    "board.provisional": "provisional", "board.provisional_note": "Few votes so far; this rank may change.",
    "board.votes": "Counted votes: {n}", "board.updated": "Updated",
    "board.empty": "No counted votes yet.",
    "board.unrated": "Models without battles yet: {names}",
    "board.ci_chart": "Ratings with 95% confidence intervals", "board.ci_chart_desc": "Bars are intervals, dots are ratings.",
    "board.heatmap": "Win rates between models", "board.heatmap_desc": "Share of battles the row model won against the column model (ties count half).",
    "board.method": "Method", "board.live": "This page refreshes automatically.",
    "error.invalid_winner": "winner must be one of a, b, tie, bothbad.",
    "error.battle_not_found": "Battle not found.",
    "error.already_voted": "You already voted on this battle.",
    "error.battle_not_ready": "You can vote once both answers are complete.",
    "error.battle_voided": "This battle was voided after an error and cannot be voted on.",
    "error.round_closed": "The round is closed; votes are no longer taken.",
    "error.daily_cap": "You have used today's votes for this round. Please vote again later.",
    "error.unknown_round": "Unknown round.",
    "error.unknown_snapshot": "Unknown snapshot.",
    "error.round_not_started": "A draft round cannot be published.",
    "error.supersedes_other_round": "A correction must supersede a snapshot of the same round.",
    "error.already_superseded": "That snapshot was already superseded; correct the newest one.",
    "error.vote_log_broken": "The vote log's hash chain does not check out, so nothing was published.",
    "error.vote_log_incomplete": "Some stored votes have no record in the vote log, so nothing was published.",
    "exclusion.identity_leak": "An answer named its model or maker, so this battle does not count.",
    "exclusion.answer_seen": "This battle showed an answer whose model was revealed to you in an earlier vote, "
                             "so it does not count.",
    "exclusion.moderation": "Excluded from the ranking after review by the moderators.",
    "exclusion.anomaly": "Excluded from the ranking: an unusual voting pattern was detected.",
    "exclusion.suspended_user": "Excluded from the ranking: the account is suspended.",
    "exclusion.backend_error": "Excluded from the ranking: a model failed in this battle.",
    "exclusion.conflict_of_interest": "Excluded from the ranking: a model of a team you declared ties to took part.",
}


def register() -> None:
    """Add the voting strings to the shared catalogue."""
    register_messages("ko", KO)
    register_messages("en", EN)


# The style-controlled board (templates/voting/_style_board.html, voting/style.py).
KO.update({
    "style.heading": "스타일 통제 순위표",
    "style.intro": "사람들은 길고 제목·목록·굵은 글씨가 많은 답변을 더 좋게 보는 경향이 있어, 이 표는 답변의 길이와 "
                   "꾸밈이 같았다면 어땠을지를 계산해 내용만으로 비교한 점수를 보여 줍니다.",
    "style.compare": "기본 순위표와 나란히 (순위 · 점수, 아래는 95% 신뢰구간)",
    "style.styled": "스타일 통제", "style.plain": "기본", "style.change": "변화",
    "style.rank_n": "{n}위",
    "style.votes": "스타일 통제에 쓴 투표: {n}건",
    "style.coefficients": "답변 스타일이 승패에 미친 영향",
    "style.feature": "스타일", "style.effect": "효과 (95% 신뢰구간)", "style.meaning": "해석",
    "style.feature.length": "길이 (토큰 수)", "style.feature.headers": "제목 수",
    "style.feature.lists": "목록 항목 수", "style.feature.bold": "굵은 글씨 수",
    "style.favoured": "많을수록 더 이김", "style.disfavoured": "많을수록 더 짐", "style.no_effect": "뚜렷한 영향 없음",
    "style.not_estimable": "추정할 수 없음",
    "style.effect_note": "효과는 두 답변의 차이가 보통 수준(표준편차 하나)만큼 클 때 이길 승산의 로그 값이 얼마나 "
                         "바뀌는지입니다. 0이면 영향이 없고, 신뢰구간이 0을 포함하지 않을 때만 뚜렷한 영향으로 봅니다.",
    "style.not_estimable_note": "투표에서 이 스타일의 차이가 없거나 다른 스타일과 늘 함께 움직여서 따로 추정할 수 없습니다.",
    "style.empty": "스타일 통제 순위를 계산할 투표가 아직 없습니다.",
    "style.pending": "스타일 통제 순위표를 계산하고 있습니다. 잠시 뒤 새로 고쳐 주세요.",
})
EN.update({
    "style.heading": "Style control",
    "style.intro": "Voters tend to favour longer answers with more headers, lists and bold text, so this board "
                   "estimates how the models would compare if both answers were equally long and equally formatted.",
    "style.compare": "The plain and the style-controlled board side by side (rank · rating, 95% CI below)",
    "style.styled": "Style-controlled", "style.plain": "Plain", "style.change": "Change",
    "style.rank_n": "#{n}",
    "style.votes": "Votes used for style control: {n}",
    "style.coefficients": "How answer style affected the votes",
    "style.feature": "Style", "style.effect": "Effect (95% CI)", "style.meaning": "Reading",
    "style.feature.length": "Length (tokens)", "style.feature.headers": "Headers",
    "style.feature.lists": "List items", "style.feature.bold": "Bold spans",
    "style.favoured": "more wins more", "style.disfavoured": "more loses more", "style.no_effect": "no clear effect",
    "style.not_estimable": "cannot be estimated",
    "style.effect_note": "The effect is the change in the log-odds of winning when the two answers differ by a typical "
                         "amount (one standard deviation). 0 means no effect; only an interval that excludes 0 is read "
                         "as a clear effect.",
    "style.not_estimable_note": "The votes show no difference in this style, or it always moves with another one, so "
                                "its effect cannot be told apart.",
    "style.empty": "No votes to compute the style-controlled board from yet.",
    "style.pending": "The style-controlled board is being computed. Reload in a few seconds.",
})
