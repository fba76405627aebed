"""The methodology page in plain Korean and English: short paragraphs a journalist can quote."""
from app.i18n import register_messages

# (heading key, paragraph keys) in page order; the template walks this.
SECTIONS = [
    ("method.score_h", ("method.score_1", "method.score_2")),
    ("method.interval_h", ("method.interval_1", "method.interval_2")),
    ("method.rank_h", ("method.rank_1", "method.rank_2")),
    ("method.too_few_h", ("method.too_few_1", "method.too_few_2")),
    ("method.components_h", ("method.components_1", "method.components_2")),
    ("method.provisional_h", ("method.provisional_1",)),
    ("method.versions_h", ("method.versions_1",)),
    ("method.excluded_h", ("method.excluded_1", "method.excluded_2")),
    ("method.fair_h", ("method.fair_1",)),
    ("method.language_h", ("method.language_1", "method.language_2")),
    ("method.frozen_h", ("method.frozen_1", "method.frozen_2")),
    ("method.verify_h", ("method.verify_1", "method.verify_2")),
]

KO = {
    "method.title": "순위는 이렇게 계산합니다",
    "method.lead": "이 경연의 순위표는 시민이 이름을 모른 채 두 AI 답변을 비교해 던진 표로만 계산합니다. "
                   "계산 규칙은 회차가 열릴 때 정해져 공개되고, 발표된 결과는 누구나 같은 자료로 다시 계산해 확인할 수 있습니다.",
    "method.score_h": "점수는 무엇을 뜻하나요",
    "method.score_1": "점수는 두 모델이 맞붙었을 때 어느 쪽이 이길 가능성이 높은지를 나타냅니다. 브래들리-테리 모형이라는 "
                      "통계 방법으로, 집계된 모든 투표를 한꺼번에 가장 잘 설명하는 점수를 찾습니다.",
    "method.score_2": "점수 차이가 중요합니다. 400점 차이는 높은 쪽이 이길 가능성이 질 가능성의 10배라는 뜻이고, "
                      "차이가 없으면 반반입니다. 순위가 매겨진 모델들의 평균을 1000점에 맞추므로 1000점 자체에는 의미가 없습니다. "
                      "무승부와 '둘 다 나쁨'은 두 모델에 반 승씩 셉니다.",
    "method.interval_h": "신뢰구간은 무엇을 뜻하나요",
    "method.interval_1": "점수 옆의 범위(95% 신뢰구간)는 투표가 달리 모였다면 점수가 어디쯤 나올 수 있었는지를 보여 줍니다. "
                         "투표 하나하나가 점수를 얼마나 움직이는지를 모두 더해 계산하는 '강건(샌드위치) 표준오차'로 구하며, "
                         "난수를 쓰지 않으므로 누가 다시 계산해도 같은 값이 나옵니다. 같은 방법으로 만든 모의 경연에서 "
                         "95% 범위가 실제 점수를 품는 비율이 95% 안팎임을 시험으로 확인합니다.",
    "method.interval_2": "투표가 많을수록 범위는 좁아집니다. 범위가 넓다는 것은 아직 점수를 확신하기 어렵다는 뜻입니다.",
    "method.rank_h": "왜 여러 모델이 같은 순위인가요",
    "method.rank_1": "점수가 조금 높다고 해서 실제로 더 낫다고 단정할 수는 없습니다. 그래서 순위는 '같은 그룹에서 신뢰구간이 자기보다 "
                     "확실히 위에 있는 모델의 수 + 1'로 정합니다. 다른 모델의 신뢰구간 아래쪽 끝이 자기 신뢰구간의 위쪽 끝보다 "
                     "높을 때만 그 모델이 확실히 앞선다고 봅니다.",
    "method.rank_2": "신뢰구간이 겹치는 모델들은 통계적으로 구별되지 않으므로 같은 순위를 받습니다. 예를 들어 공동 1위가 "
                     "둘이면 두 모델 모두 1위이며, 점수 순서만으로 한 모델이 더 낫다고 보도하지 않기를 권합니다.",
    "method.too_few_h": "'표본 부족'은 무엇인가요",
    "method.too_few_1": "대결이 프로토콜에 정한 기준(기본 30번)보다 적은 모델, 그리고 순위가 매겨진 다른 모델을 상대로 "
                        "이긴 적과 진 적이 모두 있지는 않은 모델은 '표본 부족'으로 표시하고 순위를 매기지 않습니다. "
                        "한 번도 지지 않은 모델은 얼마나 강한지, 한 번도 이기지 못한 모델은 얼마나 약한지 투표만으로는 "
                        "정할 수 없기 때문입니다.",
    "method.too_few_2": "점수는 이런 모델을 빼고 계산하므로, 투표가 몇 개뿐인 모델이 다른 모델의 점수나 신뢰구간, 순위를 "
                        "흔들지 않습니다. 표본 부족 모델의 점수와 범위는 다른 모델들의 점수를 고정해 두고 따로 계산한 "
                        "참고값이며, 범위가 넓은 것은 그만큼 모른다는 뜻입니다. 투표가 모이면 자동으로 순위에 들어갑니다.",
    "method.components_h": "왜 순위를 그룹별로 매기나요",
    "method.components_1": "점수는 모델끼리 직접 또는 다른 모델을 거쳐 맞붙은 결과로만 비교할 수 있습니다. 어떤 모델 그룹이 "
                           "다른 그룹과 한 번도 맞붙지 않았다면 두 그룹 사이의 점수 차이는 투표가 알려 주지 않습니다.",
    "method.components_2": "그래서 이런 경우 순위표에 경고를 표시하고, 그룹마다 따로 점수(그룹 평균 1000점)와 순위를 매깁니다. "
                           "서로 다른 그룹의 점수와 순위는 비교하지 마세요.",
    "method.versions_h": "계산 방법이 바뀌면",
    "method.versions_1": "계산 방법에는 버전이 있고(프로토콜의 rating_method), 각 순위표와 스냅샷에 함께 적힙니다. "
                         "2026년 11월 이전 스냅샷은 모든 모델을 한꺼번에 맞추고 부트스트랩으로 신뢰구간을 구한 옛 방법"
                         "(bootstrap-centred-1)으로 계산되었고, 검증 명령은 그 스냅샷을 옛 방법 그대로 다시 계산합니다.",
    "method.provisional_h": "'잠정'은 무엇인가요",
    "method.provisional_1": "대결 수가 프로토콜에 정한 기준(기본 30번)보다 적은 모델에는 '잠정' 표시를 붙입니다. "
                            "투표가 더 모이면 점수가 크게 바뀔 수 있습니다. 지금의 계산 방법에서는 이런 모델이 '표본 부족'이기도 해 "
                            "순위를 받지 않습니다. 옛 방법으로 계산된 스냅샷에서는 잠정 모델도 순위를 받았습니다.",
    "method.excluded_h": "어떤 투표를 빼고, 왜 빼나요",
    "method.excluded_1": "모든 투표는 지우지 않고 기록합니다. 다만 공정한 비교가 아니었던 투표는 사유와 함께 집계에서 뺍니다. "
                         "답변에 모델이나 개발사 이름이 드러난 경우, 이미 어느 모델 것인지 공개된 답변이 다시 나온 경우, "
                         "한쪽 모델이 답하지 못한 경우, 비정상적인 투표 패턴이 발견된 경우, 정지된 계정의 투표, "
                         "운영진이 검토해 제외한 경우입니다.",
    "method.excluded_2": "제외된 투표도 발표 자료에 사유 코드와 함께 들어 있고, 사유별 건수가 각 순위표에 공개됩니다. "
                         "나중에 제외하거나 되살린 기록도 지워지지 않고 덧붙여집니다.",
    "method.fair_h": "모든 팀을 똑같이 대합니다",
    "method.fair_1": "대결 상대는 회차 전체와 분야별로 모든 모델이 거의 같은 횟수로, A와 B 자리에 고르게 나오도록 "
                     "배정합니다. 실제 배정 횟수는 각 순위표의 노출 통계에 공개됩니다.",
    "method.language_h": "한국어 프롬프트와 영어 프롬프트 순위는 어떻게 나누나요",
    "method.language_1": "순위표는 분야와 함께 프롬프트 언어별로도 볼 수 있습니다. 경연 운영진이 준비한 프롬프트는 등록할 때 "
                         "적어 둔 언어를 그대로 쓰고, 시민이 직접 쓴 프롬프트는 글자 가운데 한글이 5분의 1 이상이면 한국어, "
                         "거의 모두 로마자이면 영어, 그 밖(다른 문자나 글자가 없는 글)은 어느 쪽에도 넣지 않습니다.",
    "method.language_2": "언어는 투표가 저장될 때 첫 프롬프트로 한 번 정해 투표와 함께 기록하므로, 실시간 순위표와 다시 계산한 "
                         "순위표가 같은 기준을 씁니다. 언어별 순위표는 전체 투표의 일부만 쓰므로 '표본 부족'이 더 자주 보입니다.",
    "method.frozen_h": "규칙은 미리 정하고, 발표는 바꾸지 않습니다",
    "method.frozen_1": "계산 방법과 기준, 참가 모델, 분야는 회차가 열릴 때 고정됩니다. 바꿔야 할 때는 사유를 적은 새 버전을 "
                       "공개적으로 남깁니다.",
    "method.frozen_2": "발표된 순위표(스냅샷)는 수정할 수 없습니다. 잘못을 바로잡거나 진행 중인 회차의 순위를 새로 발표할 때는 "
                       "이전 것을 대체한다고 밝힌 새 스냅샷을 발표하고, 이전 스냅샷도 그대로 공개해 둡니다.",
    "method.verify_h": "직접 검증하는 방법",
    "method.verify_1": "각 투표 기록은 바로 앞 기록의 해시(SHA-256)와 사슬처럼 이어져 있어, 기록 하나라도 고치거나 빼거나 "
                       "끼워 넣거나 순서를 바꾸면 드러납니다. 매일 사슬의 끝 해시를 공개합니다.",
    "method.verify_2": "순위표 페이지에서 투표 자료와 기록 체인을 내려받아 검증 명령을 실행하면, 데이터베이스나 계정 없이 "
                       "같은 점수와 순위를 다시 계산해 발표와 비트 단위까지 일치하는지, 다르다면 처음 달라지는 곳을 알려 줍니다. "
                       "투표 자료의 SHA-256이 순위표에 적힌 값과 같으면 바로 그 투표들로 계산한 결과입니다.",
    "method.archive": "발표된 순위표 보기",
}

EN = {
    "method.title": "How the ranking is computed",
    "method.lead": "This contest's leaderboard is computed only from votes citizens cast while comparing two AI answers "
                   "without knowing which model wrote which. The rules are fixed and published when a round opens, and "
                   "anyone can recompute a published result from the same data.",
    "method.score_h": "What the score means",
    "method.score_1": "The score says which of two models is more likely to win when they meet. A statistical method "
                      "called the Bradley-Terry model finds the scores that best explain all counted votes at once.",
    "method.score_2": "Differences matter, not the numbers themselves. A 400-point gap means the higher model is ten "
                      "times as likely to win as to lose; no gap means even odds. The ranked models' scores are set to "
                      "average 1000, so 1000 itself means nothing. A tie, and 'both bad', count as half a win for each model.",
    "method.interval_h": "What the interval means",
    "method.interval_1": "The range beside a score (the 95% confidence interval) shows where the score could have landed "
                         "had the votes come in differently. It comes from robust ('sandwich') standard errors, which add "
                         "up how much each single vote moves the scores; no random numbers are used, so anyone who "
                         "recomputes it gets the same. Tests on simulated contests check that the 95% range holds the "
                         "true score about 95% of the time.",
    "method.interval_2": "More votes make the range narrower. A wide range means the score is not yet certain.",
    "method.rank_h": "Why models share a rank",
    "method.rank_1": "A slightly higher score does not prove a model is better. So a model's rank is one plus the number "
                     "of models of its group that are clearly ahead of it: a model is clearly ahead only when the low end of its "
                     "interval is above the high end of this model's interval.",
    "method.rank_2": "Models whose intervals overlap cannot be told apart statistically, so they share a rank. If two "
                     "models are ranked 1, both are first; please do not report one as better from the order of their "
                     "scores alone.",
    "method.too_few_h": "What 'too few votes' means",
    "method.too_few_1": "A model with fewer battles than the protocol's threshold (30 by default), or without both a win "
                        "and a loss against the other ranked models, is shown as 'too few votes' and is not ranked. "
                        "Votes alone cannot say how strong a model is that never lost, or how weak one is that never won.",
    "method.too_few_2": "The scores are computed without such models, so a model with a handful of votes cannot move "
                        "anyone else's score, interval or rank. Its own score and range are for reference: computed with "
                        "the ranked models' scores held fixed, and a wide range means that little is known. Once enough "
                        "votes come in, it is ranked automatically.",
    "method.components_h": "Why ranks are given per group",
    "method.components_1": "Scores can only be compared through battles, directly or through other models. If one group "
                           "of models never met another, the votes say nothing about the gap between the two groups.",
    "method.components_2": "In that case the board shows a warning, and each group gets its own scores (averaging 1000 "
                           "within the group) and its own ranks. Do not compare scores or ranks across groups.",
    "method.versions_h": "When the method changes",
    "method.versions_1": "The method has a version (the protocol's rating_method), printed with every leaderboard and "
                         "snapshot. Snapshots from before November 2026 were computed with the earlier method "
                         "(bootstrap-centred-1: every model in one fit, bootstrap intervals), and the verification "
                         "command recomputes them with that method, unchanged.",
    "method.provisional_h": "What 'provisional' means",
    "method.provisional_1": "A model with fewer battles than the protocol's threshold (30 by default) is marked "
                            "provisional: its score may change a lot as more votes come in. Under the current method such "
                            "a model is also 'too few votes' and gets no rank; snapshots computed with the earlier method "
                            "ranked provisional models too.",
    "method.excluded_h": "What is excluded, and why",
    "method.excluded_1": "Every vote is recorded and none is deleted. Votes that were not a fair comparison are left out "
                         "of the count, each with its reason: an answer revealed a model's or maker's name; an answer "
                         "already revealed to the voter came back; a model failed to answer; an anomalous voting "
                         "pattern was found; the account was suspended; or moderators excluded it after review.",
    "method.excluded_2": "Excluded votes are still in the released data with their reason codes, and each leaderboard "
                         "shows how many were excluded for each reason. Later exclusions and restorations are appended "
                         "to the record, never written over it.",
    "method.fair_h": "Every team is treated alike",
    "method.fair_1": "Battles are assigned so that, across the round and within each category, every model appears "
                     "about equally often and equally often as A and as B. The actual counts are published with each "
                     "leaderboard as its exposure statistics.",
    "method.language_h": "How are the Korean-prompt and English-prompt boards split?",
    "method.language_1": "Besides categories, the board can be viewed by the language of the prompt. A curated prompt keeps "
                         "the language it was registered with; a citizen's own prompt counts as Korean when at least a fifth "
                         "of its letters are Hangul, as English when nearly all are Latin, and as neither otherwise (other "
                         "scripts, or no letters).",
    "method.language_2": "The language is decided once, from the first prompt, when the vote is stored and is kept with the "
                         "vote, so the live board and a recomputed one use the same rule. A language board uses only part "
                         "of the votes, so 'too few votes' shows there more often.",
    "method.frozen_h": "Rules fixed in advance, publications never changed",
    "method.frozen_1": "The method and its parameters, the competing models and the categories are fixed when a round "
                       "opens. A change needs a new, public version that states its reason.",
    "method.frozen_2": "A published leaderboard (snapshot) cannot be edited. A correction, or a newer board of a running "
                       "round, is a new snapshot that says which one it replaces; the earlier snapshot stays public.",
    "method.verify_h": "How to verify a snapshot yourself",
    "method.verify_1": "Each vote record is chained to the one before it by a hash (SHA-256), so editing, deleting, "
                       "inserting or reordering any record shows. The end of the chain is published every day.",
    "method.verify_2": "Download the votes and the log chain from a leaderboard's page and run the verification command. "
                       "Without any database or account it recomputes the scores and ranks, and tells you whether they "
                       "match the publication bit for bit, or where they first differ. If the SHA-256 of the vote file "
                       "equals the one printed on the leaderboard, the result was computed from exactly those votes.",
    "method.archive": "See the published leaderboards",
}


def register() -> None:
    """Add the methodology strings to the shared catalogue."""
    register_messages("ko", KO)
    register_messages("en", EN)


# Style control (voting/style.py): appended after the sections above.
SECTIONS.append(("method.style_h", ("method.style_1", "method.style_2")))
KO.update({
    "method.style_h": "스타일 통제 순위표는 무엇인가요",
    "method.style_1": "사람들은 내용이 같아도 더 길고 제목·목록·굵은 글씨가 많은 답변에 표를 주는 경향이 있습니다. "
                      "스타일 통제 순위표는 투표마다 두 답변의 길이(한글은 음절마다, 영어는 낱말마다 한 토큰)와 제목·목록 "
                      "항목·굵은 글씨의 수가 얼마나 다른지를 함께 넣어 계산하므로, 두 답변의 스타일이 같았다면 어느 모델이 "
                      "이겼을지를 보여 줍니다. 차이는 (A − B) ÷ (A + B + 1)로 재고 투표 전체에서 표준화합니다.",
    "method.style_2": "스타일의 영향(계수)도 신뢰구간과 함께 공개합니다. 순위를 매기는 규칙, 표본 부족, 그룹, 강건 신뢰구간은 "
                      "기본 순위표와 같습니다. 두 순위표가 크게 다르면 그 모델의 점수 일부가 답변 스타일 덕분이라는 뜻입니다.",
})
EN.update({
    "method.style_h": "What the style-controlled board is",
    "method.style_1": "Voters tend to favour longer answers with more headers, lists and bold text, even when the content "
                      "is the same. The style-controlled board adds, for every vote, how the two answers differ in length "
                      "(a token per Hangul syllable, per English word) and in headers, list items and bold spans, so it "
                      "shows which model would have won had both answers been styled alike. Each difference is measured "
                      "as (A − B) ÷ (A + B + 1) and standardised over the votes.",
    "method.style_2": "The style effects (coefficients) are published with their intervals. The ranking rule, 'too few "
                      "votes', groups and robust intervals are those of the plain board. When the two boards differ a "
                      "lot, part of a model's score came from the style of its answers.",
})
