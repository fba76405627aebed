"""Korean-first strings of the moderators' pages, the battle page's flag control, the account page's
"my votes" list and the leaderboard's public exclusion statistics.

Kept apart from anti_abuse/messages.py (the API's error strings) so the pages and the API can change
independently; both register into the one catalogue of app.i18n.
"""
from app.i18n import register_messages

FLAG_REASONS = ("identity_leak", "harmful", "personal_data", "wrong_answer", "spam", "other")
EXCLUSION_REASONS = ("identity_leak", "answer_seen", "moderation", "anomaly", "suspended_user", "backend_error")

KO = {
    "nav.moderation": "검토",
    # moderators' pages
    "mod.title": "운영진 검토",
    "mod.queue": "검토 대기열",
    "mod.audit": "조치 기록",
    "mod.queue_intro": "시민 신고, 자동 탐지 결과, 이의 신청이 점수가 높은 순, 최신 순으로 나옵니다. "
                       "모든 조치에는 사유가 필요하며 바꿀 수 없는 조치 기록에 남습니다.",
    "mod.audit_intro": "운영진의 모든 조치(누가, 무엇을, 왜, 언제, 전후 상태)입니다. 이 기록은 수정하거나 지울 수 없습니다.",
    "mod.filter_status": "상태", "mod.filter_source": "종류", "mod.filter_all": "전체", "mod.show": "보기",
    "mod.status.open": "대기", "mod.status.dismissed": "기각", "mod.status.actioned": "조치됨",
    "mod.source.citizen": "시민 신고", "mod.source.detector": "자동 탐지", "mod.source.appeal": "이의 신청",
    "mod.empty": "검토할 항목이 없습니다.",
    "mod.kind.appeal": "집계 제외에 대한 이의 신청",
    "mod.score": "점수", "mod.default_score": "종류별 기본값",
    "mod.votes_shown": "{total}건 중 {shown}건 표시",
    "mod.reported_by": "신고자", "mod.note": "메모", "mod.created": "접수",
    "mod.voter": "투표자", "mod.voter_votes": "투표 {total}건 중 제외 {excluded}건",
    "mod.user_status.active": "정상", "mod.user_status.suspended": "정지",
    "mod.battle": "대결", "mod.prompt": "질문", "mod.answer_a": "답변 A", "mod.answer_b": "답변 B",
    "mod.models_hidden": "아직 투표 전인 대결이라 모델을 공개하지 않습니다.",
    "mod.votes": "관련 투표", "mod.vote": "투표", "mod.winner": "선택", "mod.models": "모델", "mod.category": "분야",
    "mod.time": "시각", "mod.counted": "집계", "mod.counted_yes": "집계됨", "mod.excluded": "제외: {reason}",
    "mod.winner.a": "A", "mod.winner.b": "B", "mod.winner.tie": "무승부", "mod.winner.bothbad": "둘 다 나쁨",
    "mod.evidence": "근거", "mod.resolved": "처리: {when}", "mod.no_votes": "관련 투표가 없습니다.",
    "mod.actions": "조치", "mod.reason": "사유", "mod.reason_help": "조치 기록에 남습니다 (필수, 1000자 이내).",
    "mod.action.void_votes": "이 항목의 투표 무효화", "mod.action.void_voter": "이 투표자의 모든 투표 무효화",
    "mod.action.restore_votes": "이 항목의 투표 복원", "mod.action.suspend_user": "계정 정지",
    "mod.action.reinstate_user": "계정 정지 해제", "mod.action.dismiss_flag": "기각",
    "mod.choose_action": "조치 선택", "mod.apply": "조치 실행",
    "mod.confirm": "이 조치를 실행할까요? 조치 기록에 남습니다.",
    "mod.done": "조치했습니다 (기록 #{id}, 투표 {n}건 변경).",
    "mod.sending": "처리 중…", "mod.failed": "조치하지 못했습니다.",
    "mod.older": "이전 항목", "mod.none": "기록이 없습니다.",
    "mod.actor": "조치한 사람", "mod.target": "대상", "mod.before_after": "전후 상태",
    "mod.audit_action.moderation.void_votes": "투표 무효화", "mod.audit_action.moderation.restore_votes": "투표 복원",
    "mod.audit_action.moderation.suspend_user": "계정 정지", "mod.audit_action.moderation.reinstate_user": "정지 해제",
    "mod.audit_action.moderation.dismiss_flag": "신고 기각",
    "mod.before": "이전", "mod.after": "이후",
    # battle page: the flag control
    "flag.open": "신고",
    "flag.heading": "이 대결 신고하기",
    "flag.help": "문제가 있는 답변이나 대결을 운영진에게 알려 주세요. 한 대결에 한 번 신고할 수 있습니다.",
    "flag.reason": "신고 사유",
    "flag.reason.identity_leak": "모델이나 개발사 이름이 드러남",
    "flag.reason.harmful": "유해하거나 위험한 내용",
    "flag.reason.personal_data": "개인정보가 들어 있음",
    "flag.reason.wrong_answer": "사실과 다른 답변",
    "flag.reason.spam": "스팸·광고",
    "flag.reason.other": "기타",
    "flag.note": "설명 (선택, 1000자 이내)",
    "flag.send": "신고 보내기",
    "flag.sent": "신고가 접수되었습니다. 운영진이 검토합니다.",
    "flag.failed": "신고를 보내지 못했습니다.",
    # account page: my votes
    "myvotes.heading": "내 투표",
    "myvotes.intro": "내가 한 투표가 순위에 집계되는지, 집계되지 않는다면 그 이유를 보여 줍니다. "
                     "제외된 투표에는 한 번 이의를 신청할 수 있습니다.",
    "myvotes.loading": "불러오는 중…",
    "myvotes.empty": "아직 투표하지 않았습니다.",
    "myvotes.failed": "투표 목록을 불러오지 못했습니다.",
    "myvotes.counted": "집계됨",
    "myvotes.excluded": "집계 제외",
    "myvotes.vs": "{a} 대 {b}",
    "myvotes.choice": "선택: {winner}",
    "myvotes.appeal": "이의 신청",
    "myvotes.appeal_note": "이의 신청 사유 (선택, 1000자 이내)",
    "myvotes.appeal_send": "이의 신청 보내기",
    "myvotes.appealed": "이의 신청이 접수되었습니다.",
    "myvotes.appeal_status.open": "이의 신청: 검토 중",
    "myvotes.appeal_status.dismissed": "이의 신청: 기각됨",
    "myvotes.appeal_status.actioned": "이의 신청: 처리됨",
    "myvotes.appeal_failed": "이의 신청을 보내지 못했습니다.",
    # leaderboard: public exclusion statistics
    "exclusions.heading": "집계에서 제외된 투표",
    "exclusions.intro": "이번 회차의 전체 투표 {votes}건 중 {excluded}건이 순위 계산에서 제외되었습니다. "
                        "사유별, 팀별 건수입니다 (두 팀의 대결은 양쪽 팀에 모두 셉니다).",
    "exclusions.none": "이번 회차에는 제외된 투표가 없습니다.",
    "exclusions.by_reason": "사유별", "exclusions.by_team": "팀별",
    "exclusions.reason": "사유", "exclusions.count": "건수", "exclusions.team": "팀",
    "exclusion_label.identity_leak": "모델 이름 노출",
    "exclusion_label.answer_seen": "이미 공개된 답변",
    "exclusion_label.moderation": "운영진 검토",
    "exclusion_label.anomaly": "비정상 투표 패턴",
    "exclusion_label.suspended_user": "정지된 계정",
    "exclusion_label.backend_error": "모델 오류",
}

EN = {
    "nav.moderation": "Moderation",
    "mod.title": "Moderation",
    "mod.queue": "Review queue",
    "mod.audit": "Action log",
    "mod.queue_intro": "Citizen flags, detector findings and appeals, highest score and newest first. "
                       "Every action needs a reason and lands in the append-only action log.",
    "mod.audit_intro": "Every moderation action (who, what, why, when, before and after). "
                       "Nobody can edit or delete it.",
    "mod.filter_status": "Status", "mod.filter_source": "Kind", "mod.filter_all": "All", "mod.show": "Show",
    "mod.status.open": "Open", "mod.status.dismissed": "Dismissed", "mod.status.actioned": "Actioned",
    "mod.source.citizen": "Citizen flag", "mod.source.detector": "Detector finding", "mod.source.appeal": "Appeal",
    "mod.empty": "Nothing to review.",
    "mod.kind.appeal": "Appeal against an excluded vote",
    "mod.score": "Score", "mod.default_score": "default for its kind",
    "mod.votes_shown": "{shown} of {total} shown",
    "mod.reported_by": "Reported by", "mod.note": "Note", "mod.created": "Filed",
    "mod.voter": "Voter", "mod.voter_votes": "{excluded} of {total} votes excluded",
    "mod.user_status.active": "active", "mod.user_status.suspended": "suspended",
    "mod.battle": "Battle", "mod.prompt": "Prompt", "mod.answer_a": "Answer A", "mod.answer_b": "Answer B",
    "mod.models_hidden": "No vote on this battle yet, so its models stay hidden.",
    "mod.votes": "Votes concerned", "mod.vote": "Vote", "mod.winner": "Choice", "mod.models": "Models",
    "mod.category": "Category", "mod.time": "Time", "mod.counted": "Counted", "mod.counted_yes": "counted",
    "mod.excluded": "excluded: {reason}",
    "mod.winner.a": "A", "mod.winner.b": "B", "mod.winner.tie": "tie", "mod.winner.bothbad": "both bad",
    "mod.evidence": "Evidence", "mod.resolved": "Resolved {when}", "mod.no_votes": "No votes concerned.",
    "mod.actions": "Actions", "mod.reason": "Reason",
    "mod.reason_help": "Kept in the action log (required, up to 1000 characters).",
    "mod.action.void_votes": "Void this item's votes", "mod.action.void_voter": "Void all of this voter's votes",
    "mod.action.restore_votes": "Restore this item's votes", "mod.action.suspend_user": "Suspend the account",
    "mod.action.reinstate_user": "Reinstate the account", "mod.action.dismiss_flag": "Dismiss",
    "mod.choose_action": "Action", "mod.apply": "Apply",
    "mod.confirm": "Apply this action? It will be kept in the action log.",
    "mod.done": "Done (log entry #{id}, {n} votes changed).",
    "mod.sending": "Sending…", "mod.failed": "The action failed.",
    "mod.older": "Older", "mod.none": "No entries.",
    "mod.actor": "Actor", "mod.target": "Target", "mod.before_after": "Before and after",
    "mod.audit_action.moderation.void_votes": "Votes voided",
    "mod.audit_action.moderation.restore_votes": "Votes restored",
    "mod.audit_action.moderation.suspend_user": "Account suspended",
    "mod.audit_action.moderation.reinstate_user": "Account reinstated",
    "mod.audit_action.moderation.dismiss_flag": "Flag dismissed",
    "mod.before": "Before", "mod.after": "After",
    "flag.open": "Report",
    "flag.heading": "Report this battle",
    "flag.help": "Tell the moderators about a problem with an answer or this battle. One report per battle.",
    "flag.reason": "Reason",
    "flag.reason.identity_leak": "Names a model or its maker",
    "flag.reason.harmful": "Harmful or dangerous content",
    "flag.reason.personal_data": "Contains personal data",
    "flag.reason.wrong_answer": "Factually wrong answer",
    "flag.reason.spam": "Spam or advertising",
    "flag.reason.other": "Other",
    "flag.note": "Details (optional, up to 1000 characters)",
    "flag.send": "Send report",
    "flag.sent": "Report received. The moderators will review it.",
    "flag.failed": "The report could not be sent.",
    "myvotes.heading": "My votes",
    "myvotes.intro": "Whether each of your votes counts in the ranking, and why not if it does not. "
                     "You can appeal an excluded vote once.",
    "myvotes.loading": "Loading…",
    "myvotes.empty": "You have not voted yet.",
    "myvotes.failed": "Your votes could not be loaded.",
    "myvotes.counted": "Counted",
    "myvotes.excluded": "Not counted",
    "myvotes.vs": "{a} vs {b}",
    "myvotes.choice": "Your choice: {winner}",
    "myvotes.appeal": "Appeal",
    "myvotes.appeal_note": "Why (optional, up to 1000 characters)",
    "myvotes.appeal_send": "Send appeal",
    "myvotes.appealed": "Appeal received.",
    "myvotes.appeal_status.open": "Appeal: under review",
    "myvotes.appeal_status.dismissed": "Appeal: dismissed",
    "myvotes.appeal_status.actioned": "Appeal: resolved",
    "myvotes.appeal_failed": "The appeal could not be sent.",
    "exclusions.heading": "Votes excluded from the ranking",
    "exclusions.intro": "Of this round's {votes} votes, {excluded} are excluded from the ranking. "
                        "By reason and by team (a battle between two teams counts for both).",
    "exclusions.none": "No votes of this round are excluded.",
    "exclusions.by_reason": "By reason", "exclusions.by_team": "By team",
    "exclusions.reason": "Reason", "exclusions.count": "Votes", "exclusions.team": "Team",
    "exclusion_label.identity_leak": "Model name revealed",
    "exclusion_label.answer_seen": "Answer already revealed",
    "exclusion_label.moderation": "Moderator review",
    "exclusion_label.anomaly": "Unusual voting pattern",
    "exclusion_label.suspended_user": "Suspended account",
    "exclusion_label.backend_error": "Model failure",
}

# Handed to the browser scripts as JSON data blocks (no inline script).
FLAG_JS = tuple(k for k in KO if k.startswith("flag."))
MY_VOTES_JS = tuple(k for k in KO if k.startswith(("myvotes.", "mod.winner.", "exclusion_label."))) + (
    "error.generic",)
MOD_JS = ("mod.confirm", "mod.done", "mod.sending", "mod.failed", "error.generic")


def register() -> None:
    """Add the page strings to the shared catalogue."""
    register_messages("ko", KO)
    register_messages("en", EN)
