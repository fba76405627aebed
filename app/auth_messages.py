"""Korean-first strings of the login, account and rate-limit pages."""
from app.i18n import register_messages

register_messages("ko", {
    "nav.account": "내 계정",
    "login.heading": "로그인",
    "login.intro": "한 사람당 한 계정으로 참여합니다. 아래 서비스 중 하나로 로그인하세요. "
                   "이메일이나 실명은 저장하지 않으며, 화면에는 직접 바꿀 수 있는 별명만 표시됩니다.",
    "login.with": "{name}(으)로 로그인",
    "login.none": "지금은 사용할 수 있는 로그인 방법이 없습니다.",
    "account.heading": "내 계정",
    "account.display_name": "별명",
    "account.display_name_help": "2~20자. 한글, 영문, 숫자, 공백과 . - _ · 를 쓸 수 있습니다.",
    "account.save": "별명 저장",
    "account.saved": "별명을 저장했습니다.",
    "account.roles": "역할",
    "account.votes_today": "오늘 투표 수",
    "account.votes_of": "{used} / {limit}",
    "role.citizen": "시민",
    "role.moderator": "운영 검토자",
    "role.ministry": "주관 부처",
    "error.invalid_display_name": "별명은 2~20자의 한글, 영문, 숫자, 공백, . - _ · 만 쓸 수 있습니다.",
    "error.reserved_display_name": "운영자로 오해할 수 있는 별명은 쓸 수 없습니다.",
    "error.display_name_taken": "다른 참여자가 쓰고 있거나 그와 헷갈리는 별명입니다. 다른 별명을 골라 주세요.",
})
register_messages("en", {
    "nav.account": "My account",
    "login.heading": "Log in",
    "login.intro": "One account per person. Log in with one of the services below. "
                   "We store no e-mail or real name; others only see a nickname you can change.",
    "login.with": "Log in with {name}",
    "login.none": "No login method is available right now.",
    "account.heading": "My account",
    "account.display_name": "Nickname",
    "account.display_name_help": "2–20 characters: letters, digits, spaces and . - _ ·",
    "account.save": "Save nickname",
    "account.saved": "Your nickname was saved.",
    "account.roles": "Roles",
    "account.votes_today": "Votes today",
    "account.votes_of": "{used} / {limit}",
    "role.citizen": "Citizen",
    "role.moderator": "Moderator",
    "role.ministry": "Ministry",
    "error.invalid_display_name": "A nickname has 2–20 letters, digits, spaces or . - _ ·",
    "error.reserved_display_name": "Nicknames that look official are not allowed.",
    "error.display_name_taken": "Another participant uses this nickname or one that looks like it; please choose another.",
})
