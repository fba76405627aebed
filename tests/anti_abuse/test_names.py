"""Issue 10, signals: display names are normalised, compared by confusable skeleton, and kept away from
reserved words, team and model names, and their look-alikes."""
from __future__ import annotations

import pytest

from anti_abuse.names import check_display_name, normalise_display_name, skeleton
from app.i18n import text

TEAMS_AND_MODELS = ("EXAONE", "엑사원", "LG AI연구원", "Solar Pro", "A.X", "업스테이지", "GPT-4o", "바르코")

NORMALISED = [
    ("trim-collapse", "  김   철수  ", "김 철수"),
    ("full-width", "ＫＩＭ１２３", "KIM123"),
    ("zero-width", "김\u200b철\u200d수", "김철수"),
    ("bidi-control", "\u202ekim\u202c", "kim"),
    ("tab-newline", "kim\t\nlee", "kim lee"),
    ("nbsp", "kim\u00a0lee", "kim lee"),
    ("hangul-filler", "\u3164김철수\u3164", "김철수"),
    ("conjoining-jamo", "\u1100\u1161\u11a8", "각"),
    ("ligature", "ﬁsh", "fish"),
]


@pytest.mark.parametrize("raw,expected", [c[1:] for c in NORMALISED], ids=[c[0] for c in NORMALISED])
def test_names_are_normalised(raw, expected):
    assert normalise_display_name(raw) == expected


SAME_SKELETON = [
    ("case", "Admin", "admin"),
    ("greek-capital-nu", "ΝΟΝΑ", "nona"),
    ("cyrillic-a", "аdmin", "admin"),
    ("greek-omicron", "mοd", "mod"),
    ("zero-o", "r00t", "root"),
    ("one-l", "1ee", "lee"),
    ("capital-i-l", "Ian", "lan"),
    ("rn-m", "rnoon", "moon"),
    ("full-width", "ｍｏｏｎ", "moon"),
    ("accents", "Zoë", "zoe"),
    ("separators", "kim_lee", "kim lee"),
    ("dots", "k.i.m", "kim"),
    ("zero-width", "ki\u200bm", "kim"),
    ("camel", "KimLee", "kimlee"),
    ("loose-jamo", "ㄱㅣㅁㅊㅓㄹㅅㅜ", "김철수"),
    ("mixed-jamo", "김ㅊㅓㄹ수", "김철수"),
    ("hangul-space", "김 철 수", "김철수"),
]


@pytest.mark.parametrize("a,b", [c[1:] for c in SAME_SKELETON], ids=[c[0] for c in SAME_SKELETON])
def test_look_alikes_share_a_skeleton(a, b):
    assert skeleton(a) == skeleton(b)


DIFFERENT_SKELETON = [("kim-lee", "kim", "lee"), ("hangul", "김철수", "김철호"), ("digits", "kim2", "kim3"),
                      ("jamo-not-syllable", "ㄱ", "가")]


@pytest.mark.parametrize("a,b", [c[1:] for c in DIFFERENT_SKELETON], ids=[c[0] for c in DIFFERENT_SKELETON])
def test_different_names_keep_different_skeletons(a, b):
    assert skeleton(a) != skeleton(b)


RESERVED = [
    ("ko-operator", "운영자", "운영자"),
    ("ko-admin", "관리자", "관리자"),
    ("ko-team", "운영팀", "운영팀"),
    ("ko-ministry-short", "과기부", "과기부"),
    ("ko-ministry", "과학기술정보통신부", "과학기술정보통신부"),
    ("ko-official", "공식", "공식"),
    ("ko-judge", "심사위원", "심사위원"),
    ("ko-compound", "공식운영자", "운영자"),
    ("ko-suffix", "김 관리자", "관리자"),
    ("ko-dots", "운.영.자", "운영자"),
    ("ko-spaced", "심사 위원", "심사위원"),
    ("ko-with-latin", "관리자Kim", "관리자"),
    ("ko-loose-jamo", "ㄱㅘㄴㄹㅣㅈㅏ", "관리자"),
    ("ko-all-loose-jamo", "ㅇㅜㄴㅇㅕㅇㅈㅏ", "운영자"),
    ("ko-zero-width", "운\u200b영\u200b자", "운영자"),
    ("ko-longer", "과학기술정보통신부장관", "과학기술정보통신부"),
    ("en-admin", "admin", "admin"),
    ("en-admin-upper", "ADMIN", "admin"),
    ("en-admin-token", "admin_kim", "admin"),
    ("en-admin-camel", "AdminKim", "admin"),
    ("en-admin-glued", "adminkim", "admin"),
    ("en-admin-glued-end", "kimadmin", "admin"),
    ("en-admin-cyrillic", "аdmin", "admin"),
    ("en-admin-full-width", "ａｄｍｉｎ", "admin"),
    ("en-admin-zero-width", "ad\u200bmin", "admin"),
    ("en-admin-digit", "adm1n", "admin"),
    ("en-admin-accent", "ädmin", "admin"),
    ("en-admin-hangul", "admin김", "admin"),
    ("en-administrator", "Administrator", "admin"),
    ("en-mod", "mod", "mod"),
    ("en-mod-token", "mod-kim", "mod"),
    ("en-mod-zero", "m0d", "mod"),
    ("en-mod-rn", "rnod", "mod"),
    ("en-mod-digits", "mod7", "mod"),
    ("en-moderator", "moderator", "moderator"),
    ("en-staff", "staff", "staff"),
    ("en-staff-spelled", "s.t.a.f.f", "staff"),
    ("en-official", "official_kr", "official"),
    ("en-official-glued", "realofficial", "official"),
    ("en-system", "system", "system"),
    ("en-system-spaced", "sys tem", "system"),
    ("en-root", "root", "root"),
    ("en-root-zeros", "R00T", "root"),
    ("extra-model", "EXAONE_fan", "EXAONE"),
    ("extra-model-ko", "엑사원팬", "엑사원"),
    ("extra-team-mixed", "LG AI연구원", "LG AI연구원"),
    ("extra-team-mixed-spaced", "lg ai 연구원짱", "LG AI연구원"),
    ("extra-short-latin", "A.X", "A.X"),
    ("extra-short-latin-hangul", "ax팬", "A.X"),
    ("extra-version", "gpt4o", "GPT-4o"),
    ("extra-greek-capitals", "ΕΧΑΟΝΕ", "EXAONE"),
    ("extra-cyrillic-capitals", "ЕХАОNЕ", "EXAONE"),
]


@pytest.mark.parametrize("raw,matched", [c[1:] for c in RESERVED], ids=[c[0] for c in RESERVED])
def test_reserved_words_and_look_alikes_are_refused(raw, matched):
    result = check_display_name(raw, TEAMS_AND_MODELS)
    assert (result.ok, result.error, result.key, result.matched) == (False, "reserved", "name.reserved", matched)


ALLOWED = [
    ("ko-name", "김철수"),
    ("ko-researcher", "김연구원"),  # "연구원" alone is not "LG AI연구원"
    ("en-name", "Kim Minsu"),
    ("en-modern", "modern"),
    ("en-modest", "modest_kim"),
    ("en-rooted", "rooted"),
    ("en-badminton", "badminton"),
    ("en-mode", "mode"),
    ("en-admiral", "admiral"),
    ("en-stuff", "stuff"),
    ("en-solar", "Solar"),  # only "Solar Pro" is in the extra names here
    ("en-ax-inside", "taxi"),
    ("digits", "user123"),
    ("emoji", "김철수 🙂"),
    ("two-chars", "철수"),
    ("twenty-chars", "가" * 20),
]


@pytest.mark.parametrize("raw", [c[1] for c in ALLOWED], ids=[c[0] for c in ALLOWED])
def test_ordinary_names_pass(raw):
    result = check_display_name(raw, TEAMS_AND_MODELS)
    assert result.ok and result.error is None and result.message() is None, result
    assert result.name == normalise_display_name(raw) and result.skeleton == skeleton(raw)


SHAPE_ERRORS = [
    ("one-char", "a", "too_short"),
    ("one-hangul", "김", "too_short"),
    ("spaces", "     ", "too_short"),
    ("invisible", "\u200b\u200b\u200b", "too_short"),
    ("fillers", "\u3164\u3164\u3164", "too_short"),
    ("one-plus-invisible", "a\u200b", "too_short"),
    ("twenty-one", "가" * 21, "too_long"),
    ("long-latin", "x" * 40, "too_long"),
    ("symbols", "!!", "no_letters"),
    ("punctuation", "-_-", "no_letters"),
]


@pytest.mark.parametrize("raw,error", [c[1:] for c in SHAPE_ERRORS], ids=[c[0] for c in SHAPE_ERRORS])
def test_length_and_content_are_checked_after_normalising(raw, error):
    result = check_display_name(raw)
    assert (result.ok, result.error, result.key) == (False, error, f"name.{error}")


def test_extra_names_are_only_reserved_when_given():
    assert check_display_name("EXAONE_fan").ok
    assert not check_display_name("EXAONE_fan", ["EXAONE"]).ok
    assert check_display_name("철수", ["x"]).ok  # a one-letter extra name reserves nothing


def test_messages_say_why_in_korean_and_english():
    result = check_display_name("공식운영자")
    assert result.message("ko") == "'운영자'(으)로 보이는 이름은 운영진이나 참가 팀으로 오해될 수 있어 쓸 수 없습니다."
    assert "'운영자'" in result.message("en") and result.message("fr") == result.message("ko")
    assert all(text(f"name.{e}", lang, "anti_abuse") for e in ("too_short", "too_long", "no_letters", "reserved")
               for lang in ("ko", "en"))
    assert check_display_name("a").message("en") == "A name needs at least 2 characters."


def test_uniqueness_goes_by_skeleton():
    taken = {skeleton("kimlee")}
    for candidate in ("KimLee", "kim_lee", "k1mlee", "kіmlee", "ｋｉｍｌｅｅ", "kim\u200blee"):  # і is Cyrillic
        assert skeleton(candidate) in taken, candidate
    assert skeleton("kimlea") not in taken
