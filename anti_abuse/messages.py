"""Korean-first strings of moderation: its error codes and the words for why a vote does not count."""
from __future__ import annotations

from app.i18n import register_messages
from voting.messages import EN as VOTING_EN
from voting.messages import KO as VOTING_KO

KO = {
    "error.invalid_reason": "신고 사유는 identity_leak, harmful, personal_data, wrong_answer, spam, other 중 하나여야 합니다.",
    "error.invalid_note": "메모는 1000자 이내의 글이어야 합니다.",
    "error.already_flagged": "이미 신고한 대결입니다.",
    "error.vote_not_found": "투표를 찾을 수 없습니다.",
    "error.vote_counted": "집계에 포함된 투표는 이의를 신청할 수 없습니다.",
    "error.already_appealed": "이미 이의를 신청한 투표입니다. 투표마다 한 번만 신청할 수 있습니다.",
    "error.invalid_action": "조치는 void_votes, restore_votes, suspend_user, reinstate_user, dismiss_flag 중 하나여야 합니다.",
    "error.invalid_target": "대상은 {vote_id}, {user_id}, {user_id, from, to}, {flag_id} 중 하나여야 합니다.",
    "error.invalid_range": "기간은 시간대가 있는 RFC 3339 시각이어야 하며 시작이 끝보다 앞서야 합니다.",
    "error.reason_required": "조치 사유를 1000자 이내로 적어 주세요.",
    "error.flag_not_found": "검토 항목을 찾을 수 없습니다.",
    "error.flag_resolved": "이미 처리된 검토 항목입니다.",
    "error.user_not_found": "사용자를 찾을 수 없습니다.",
    "error.cannot_suspend_staff": "운영진(검토자·부처) 계정은 정지할 수 없습니다. 먼저 부처가 역할을 회수해야 합니다.",
    "error.cannot_suspend_self": "자기 계정은 정지할 수 없습니다.",
    "error.cannot_act_on_self": "자기 투표나 자기에 관한 검토 항목은 다른 검토자가 처리해야 합니다.",
    "error.invalid_status": "상태는 open, dismissed, actioned, all 중 하나여야 합니다.",
    "error.invalid_source": "출처는 citizen, detector, appeal 중 하나여야 합니다.",
    "error.invalid_cursor": "목록 위치(before)는 양의 정수여야 합니다.",
    "error.invalid_limit": "limit은 1에서 200 사이의 정수여야 합니다.",
    "error.unknown_lexicon": "없는 정체 노출 어휘 목록 버전입니다. 내장 버전이나 부처가 추가한 버전을 지정해 주세요.",
    "error.invalid_lexicon": "어휘 목록이 올바르지 않습니다.",
    "error.lexicon_conflict": "같은 때에 다른 버전이 추가되었습니다. 다시 시도해 주세요.",
}
EN = {
    "error.invalid_reason": "reason must be one of identity_leak, harmful, personal_data, wrong_answer, spam, other.",
    "error.invalid_note": "The note must be text of at most 1000 characters.",
    "error.already_flagged": "You already reported this battle.",
    "error.vote_not_found": "Vote not found.",
    "error.vote_counted": "A vote that counts cannot be appealed.",
    "error.already_appealed": "You already appealed this vote; each vote can be appealed once.",
    "error.invalid_action": "action must be one of void_votes, restore_votes, suspend_user, reinstate_user, "
                            "dismiss_flag.",
    "error.invalid_target": "target must be one of {vote_id}, {user_id}, {user_id, from, to}, {flag_id}.",
    "error.invalid_range": "from and to must be RFC 3339 times with an offset, from before to.",
    "error.reason_required": "Give a reason for the action (at most 1000 characters).",
    "error.flag_not_found": "Queue item not found.",
    "error.flag_resolved": "This queue item was already resolved.",
    "error.user_not_found": "User not found.",
    "error.cannot_suspend_staff": "Staff accounts (moderator, ministry) cannot be suspended; the ministry revokes "
                                  "the role first.",
    "error.cannot_suspend_self": "You cannot suspend your own account.",
    "error.cannot_act_on_self": "Your own votes, and queue items about you, are for another moderator to decide.",
    "error.invalid_status": "status must be one of open, dismissed, actioned, all.",
    "error.invalid_source": "source must be one of citizen, detector, appeal.",
    "error.invalid_cursor": "before must be a positive integer.",
    "error.invalid_limit": "limit must be an integer from 1 to 200.",
    "error.unknown_lexicon": "No identity lexicon has this version: name a built-in one or one the ministry added.",
    "error.invalid_lexicon": "The word list is not valid.",
    "error.lexicon_conflict": "Another version was added at the same moment; please try again.",
}


def exclusion_message(reason: str | None, lang: str) -> str | None:
    """Why a vote does not count, in `lang` (Korean when unknown): voting's words for its reason codes."""
    if reason is None:
        return None
    key = f"exclusion.{reason}"
    return (VOTING_EN if lang == "en" else VOTING_KO).get(key) or VOTING_KO.get(key) or reason


def register() -> None:
    """Add moderation's strings to the shell's catalogue (called once by anti_abuse.init_app)."""
    register_messages("ko", KO)
    register_messages("en", EN)
