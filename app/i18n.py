"""Korean-first messages with English via `?lang=en`, a cookie or Accept-Language."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, g, has_request_context, request

LANGS = ("ko", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "ko": {
        "site.title": "국가대표 AI 공개 경연",
        "site.tagline": "두 개의 익명 AI 답변을 비교하고 더 나은 쪽에 투표하세요.",
        "nav.home": "소개",
        "nav.arena": "경연장",
        "nav.leaderboard": "순위표",
        "nav.archive": "발표 기록",
        "nav.methodology": "계산 방법",
        "nav.console": "운영 콘솔",
        "nav.login": "로그인",
        "nav.logout": "로그아웃",
        "nav.skip": "본문으로 건너뛰기",
        "nav.language": "English",
        "home.heading": "국가대표 AI 파운데이션 모델 공개 경연",
        "home.intro": "정부의 독자 AI 파운데이션 모델 사업에 참여한 팀들의 모델을 시민 여러분이 직접 비교합니다. "
                      "질문을 입력하면 이름을 가린 두 모델이 나란히 답하고, 더 나은 답에 투표하면 그때 어느 모델이었는지 공개됩니다.",
        "home.how": "참여 방법",
        "home.step1": "로그인합니다 (한 사람당 한 계정).",
        "home.step2": "질문을 직접 쓰거나 준비된 질문을 고릅니다.",
        "home.step3": "A와 B 두 답변을 읽고 더 나은 쪽, 무승부, 또는 둘 다 나쁨에 투표합니다.",
        "home.step4": "투표 후에 두 모델의 이름이 공개됩니다.",
        "home.rules": "경연 규칙",
        "home.rule1": "투표 전에는 어떤 모델인지 알 수 없습니다. 모델 이름을 묻거나 알아내려는 시도는 집계에서 제외됩니다.",
        "home.rule2": "한 대결에는 한 번만 투표할 수 있으며, 계정과 접속 주소마다 투표 속도가 제한됩니다.",
        "home.rule3": "개인정보를 질문에 넣지 마세요. 질문과 답변은 익명으로 처리되어 연구용으로 공개될 수 있습니다.",
        "home.rule4": "순위표는 공개된 투표 데이터로 누구나 다시 계산해 검증할 수 있습니다.",
        "home.round": "진행 중인 경연",
        "home.no_round": "지금 진행 중인 경연이 없습니다.",
        "home.start": "경연 시작하기",
        "home.demo_notice": "데모 모드: 답변은 실제 모델 출력이 아닌 예시 문장입니다.",
        "error.heading": "문제가 발생했습니다",
        "error.back": "처음으로 돌아가기",
        "error.generic": "요청을 처리할 수 없습니다.",
        "error.bad_request": "요청 형식이 올바르지 않습니다.",
        "error.login_required": "로그인이 필요합니다.",
        "error.forbidden": "이 작업을 할 권한이 없습니다.",
        "error.not_found": "찾는 페이지나 항목이 없습니다.",
        "error.method_not_allowed": "허용되지 않는 요청 방식입니다.",
        "error.conflict": "이미 처리된 요청입니다.",
        "error.too_large": "요청이 너무 큽니다.",
        "error.unsupported_media_type": "지원하지 않는 형식입니다.",
        "error.invalid": "입력값이 올바르지 않습니다.",
        "error.rate_limited": "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
        "error.internal_error": "서버 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
        "error.unavailable": "서비스를 잠시 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
        "error.csrf_failed": "보안 토큰이 없거나 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
        "error.no_open_round": "지금 진행 중인 경연이 없습니다.",
        "error.unknown_category": "없는 분야입니다.",
        "footer.text": "과학기술정보통신부 독자 AI 파운데이션 모델 프로젝트 공개 경연 플랫폼",
    },
    "en": {
        "site.title": "Korea Sovereign AI Public Contest",
        "site.tagline": "Compare two anonymous AI answers and vote for the better one.",
        "nav.home": "About",
        "nav.arena": "Arena",
        "nav.leaderboard": "Leaderboard",
        "nav.archive": "Publications",
        "nav.methodology": "Methodology",
        "nav.console": "Console",
        "nav.login": "Log in",
        "nav.logout": "Log out",
        "nav.skip": "Skip to content",
        "nav.language": "한국어",
        "home.heading": "Public contest of Korea's sovereign AI foundation models",
        "home.intro": "Citizens compare the models of the teams in the national foundation model programme. "
                      "Ask a question, two unnamed models answer side by side, and after you vote you learn which was which.",
        "home.how": "How it works",
        "home.step1": "Log in (one account per person).",
        "home.step2": "Write a question or pick a prepared one.",
        "home.step3": "Read answers A and B and vote: A, B, tie, or both bad.",
        "home.step4": "After your vote the two models are revealed.",
        "home.rules": "Contest rules",
        "home.rule1": "Models are anonymous until you vote. Battles where a model's identity is asked for or revealed are not counted.",
        "home.rule2": "One vote per battle; voting pace is limited per account and per address.",
        "home.rule3": "Do not put personal data in prompts. Prompts and answers are released for research, anonymised, only with your consent.",
        "home.rule4": "Anyone can recompute and verify the leaderboard from the released votes.",
        "home.round": "Current round",
        "home.no_round": "No round is open right now.",
        "home.start": "Start comparing",
        "home.demo_notice": "Demo mode: answers are example text, not real model output.",
        "error.heading": "Something went wrong",
        "error.back": "Back to the start",
        "error.generic": "The request could not be processed.",
        "error.bad_request": "The request is malformed.",
        "error.login_required": "Please log in first.",
        "error.forbidden": "You are not allowed to do this.",
        "error.not_found": "Nothing was found here.",
        "error.method_not_allowed": "This method is not allowed here.",
        "error.conflict": "This has already been done.",
        "error.too_large": "The request is too large.",
        "error.unsupported_media_type": "Unsupported content type.",
        "error.invalid": "The input is not valid.",
        "error.rate_limited": "Too many requests. Please try again shortly.",
        "error.internal_error": "A server error occurred. Please try again shortly.",
        "error.unavailable": "The service is briefly unavailable. Please try again shortly.",
        "error.csrf_failed": "The security token is missing or expired. Reload the page and try again.",
        "error.no_open_round": "No round is open right now.",
        "error.unknown_category": "Unknown category.",
        "footer.text": "Public contest platform of the national sovereign AI foundation model programme",
    },
}


def register_messages(lang: str, messages: dict[str, str]) -> None:
    """Let a package add its own messages (keeps translations next to their pages)."""
    MESSAGES[lang].update(messages)


def current_lang() -> str:
    """`?lang=`, then the `lang` cookie, then Accept-Language; Korean by default."""
    if not has_request_context():
        return "ko"
    if "lang" in g:
        return g.lang
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang not in LANGS:
        lang = request.accept_languages.best_match(LANGS, default="ko") if request.accept_languages else "ko"
    g.lang = lang
    return lang


def t(key: str, default: str | None = None, **params: object) -> str:
    """Translate `key` into the request's language (Korean fallback)."""
    lang = current_lang()
    text = MESSAGES.get(lang, {}).get(key) or MESSAGES["ko"].get(key) or default or key
    return text.format(**params) if params else text


def switch_lang_url(lang: str) -> str:
    """This page in `lang`: the same path and query (a board's round, category, filters), `lang` replaced."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", lang)]
    return request.path + "?" + urlencode(args)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(t=t, current_lang=current_lang, switch_lang_url=switch_lang_url)

    @app.after_request
    def _remember_lang(resp):
        chosen = request.args.get("lang")
        if chosen in LANGS:
            resp.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))  # as the session cookie
        resp.headers.setdefault("Content-Language", current_lang())
        return resp
