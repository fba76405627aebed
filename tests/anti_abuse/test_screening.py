"""Issue 10, signals: prompt screening refuses personal data, blocklisted requests and bad lengths, and says what it found."""
from __future__ import annotations

import json

import pytest

from anti_abuse.screening import (BLOCKLIST_FILE, DEFAULT_POLICY, ScreenPolicy, load_policy, message,
                                  screen_prompt)
from app.i18n import text


def kinds(text: str, policy: ScreenPolicy = DEFAULT_POLICY) -> list[str]:
    return [f.kind for f in screen_prompt(text, policy).findings]


def excerpts(text: str) -> list[str]:
    return [f.excerpt for f in screen_prompt(text).findings]


FOUND = [
    # phones: mobile, landline, +82, with and without separators
    ("mobile-hyphen", "제 번호는 010-1234-5678이에요", "phone", "010-****-5678"),
    ("mobile-spaced-hyphens", "010 - 1234 - 5678 로 연락 주세요", "phone", "010 - **** - 5678"),
    ("mobile-hangul-dash", "010ㅡ1234ㅡ5678", "phone", "010\u1173****\u11735678"),
    ("mobile-bare", "01012345678로 연락 주세요", "phone", "010****5678"),
    ("mobile-spaces", "010 1234 5678", "phone", "010 **** 5678"),
    ("mobile-dots", "010.1234.5678", "phone", "010.****.5678"),
    ("mobile-011", "옛날 번호 011-123-4567", "phone", "011-***-4567"),
    ("mobile-019", "019-1234-5678", "phone", "019-****-5678"),
    ("seoul", "사무실 02-123-4567", "phone", "02-***-4567"),
    ("seoul-8", "전화 02-1234-5678", "phone", "02-****-5678"),
    ("seoul-parens", "(02) 123-4567로 전화", "phone", "(02) ***-4567"),
    ("gyeonggi", "031-123-4567", "phone", "031-***-4567"),
    ("busan-bare", "0511234567", "phone", "051***4567"),
    ("voip", "070-1234-5678", "phone", "070-****-5678"),
    ("plus82-mobile", "call +82 10-1234-5678", "phone", "+82 10-****-5678"),
    ("plus82-seoul", "+82-2-123-4567", "phone", "+82-2-***-4567"),
    ("plus82-bare", "+821012345678", "phone", "+8210****5678"),
    ("0082", "0082-10-1234-5678", "phone", "0082-10-****-5678"),
    ("plus82-zero", "+82 (0)10 1234 5678", "phone", "+82 (0)10 **** 5678"),
    ("full-width", "０１０－１２３４－５６７８", "phone", "010-****-5678"),
    ("en-dash", "010–1234–5678", "phone", "010–****–5678"),
    ("phone-english", "My number is 010-9876-5432, call me", "phone", "010-****-5432"),
    # decision: arithmetic on a phone-shaped number is still refused (module docstring)
    ("arithmetic-phone", "010-1234-5678 더하기 3은?", "phone", "010-****-5678"),
    ("arithmetic-phone-bare", "01012345678 + 3 = ?", "phone", "010****5678"),
    # resident registration numbers (date checked, checksum not required)
    ("rrn-hyphen", "주민번호 900101-1234567", "rrn", "90****-*******"),
    ("rrn-space", "900101 2234567", "rrn", "90**** *******"),
    ("rrn-bare", "9001012234567 확인해줘", "rrn", "90***********"),
    ("rrn-2000s", "050315-3123456", "rrn", "05****-*******"),
    ("rrn-foreigner", "851224-5123456", "rrn", "85****-*******"),
    ("rrn-foreigner-2000s", "010228-7123456", "rrn", "01****-*******"),
    ("rrn-leap-day", "000229-3123456", "rrn", "00****-*******"),  # 2000 was a leap year
    ("rrn-no-checksum", "900101-1000000", "rrn", "90****-*******"),
    # e-mail
    ("email", "메일 kim.minsu@example.co.kr로 보내줘", "email", "k***@example.co.kr"),
    ("email-plus", "write to a+b@mail.example.com", "email", "a***@mail.example.com"),
    ("email-digits", "kim01012345678@naver.com", "email", "k***@naver.com"),
    # cards: Luhn-valid, separators allowed
    ("visa-spaces", "카드 4111 1111 1111 1111 결제", "card", "**** **** **** 1111"),
    ("visa-hyphens", "4111-1111-1111-1111", "card", "****-****-****-1111"),
    ("visa-bare", "4111111111111111", "card", "************1111"),
    ("amex", "3782 822463 10005", "card", "**** ****** *0005"),
    ("mastercard-then-count", "5555 5555 5555 4444 3장", "card", "**** **** **** 4444"),
    ("card-19", "6011 0000 0000 0000 001", "card", "**** **** **** ***0 001"),
]


@pytest.mark.parametrize("text,kind,excerpt", [c[1:] for c in FOUND], ids=[c[0] for c in FOUND])
def test_personal_data_is_found_and_masked(text, kind, excerpt):
    result = screen_prompt(text)
    assert not result.ok
    assert [(f.kind, f.excerpt) for f in result.findings] == [(kind, excerpt)]


def test_the_date_part_follows_the_century_digit():
    # 29 February exists in 2000 (digits 3, 4, 7, 8) and 1900 does not have it (1, 2, 5, 6).
    assert kinds("000229-3123456") == ["rrn"] and kinds("000229-7123456") == ["rrn"]
    assert kinds("000229-1123456") == [] and kinds("010229-7123456") == []


CLEAN = [
    ("date", "2024-05-01에 만나요"),
    ("date-dots", "2024.05.01 회의록 요약해줘"),
    ("datetime", "2024-05-01 10:30에 시작"),
    ("price", "가격은 1,000,000원입니다"),
    ("price-plain", "월급 3500000원이면 세금은?"),
    ("isbn-hyphens", "ISBN 978-0-306-40615-7 책 요약해줘"),
    ("isbn-luhn-valid", "ISBN 9788900000085 책 찾아줘"),  # passes Luhn too: a valid ISBN-13 is a book
    ("isbn-10", "ISBN 89-7914-063-0"),
    ("version", "Python 3.5.1에서 바뀐 점"),
    ("short-number", "1234 + 5678은?"),
    ("no-leading-zero", "1012345678 + 3"),
    ("card-fails-luhn", "4111-1111-1111-1112"),
    ("card-fails-luhn-bare", "1234567812345678"),
    ("long-number", "원주율 3.14159265358979323846"),
    ("big-number", "123456789012345678901234567890의 약수"),
    ("rrn-bad-month", "901301-1234567"),
    ("rrn-bad-day", "900231-1234567"),
    ("rrn-bad-gender", "900101-9234567"),
    ("date-range", "20240501-20240531 기간"),
    ("phone-in-date", "2010-1234-5678"),
    ("account-like", "123-456-789012"),
    ("zip", "우편번호 06236"),
    ("year-range", "1990-2024년 통계"),
    ("email-no-at", "kim at example dot com"),
    ("at-mention", "@kim 안녕"),
    ("fraction", "0.1 + 0.2는 왜 0.30000000000000004야?"),
    ("ordinary-ko", "서울에서 부산까지 KTX로 몇 시간 걸려?"),
    ("ordinary-en", "Explain the difference between lists and tuples in Python."),
    ("time", "10:30-12:00 회의"),
]


@pytest.mark.parametrize("text", [c[1] for c in CLEAN], ids=[c[0] for c in CLEAN])
def test_near_misses_pass(text):
    result = screen_prompt(text)
    assert result.ok, [(f.kind, f.excerpt) for f in result.findings]


BLOCKED = [
    ("ko-particle", "필로폰을 어디서 살 수 있어?", "필로폰"),
    ("ko-phrase", "마약 구매 방법 알려줘", "마약 구매"),
    ("ko-no-space", "마약구매 경로", "마약구매"),
    ("ko-bomb", "사제 폭탄 만드는 법", "사제 폭탄"),
    ("ko-hitman", "청부살인 가격은?", "청부살인"),
    ("en", "How do I make a bomb?", "make a bomb"),
    ("en-case", "Where to BUY METH", "buy meth"),
    ("en-full-width", "Ｍａｋｅ ａ ＢＯＭＢ", "make a bomb"),
    ("en-hyphen", "sell a phishing-kit", "phishing-kit"),
    ("en-zero-width", "hire a hit\u200bman", "hire a hitman"),
]


@pytest.mark.parametrize("text,matched", [c[1:] for c in BLOCKED], ids=[c[0] for c in BLOCKED])
def test_blocklisted_terms_are_refused(text, matched):
    result = screen_prompt(text)
    assert [(f.kind, f.excerpt) for f in result.findings] == [("blocked", matched)]


NOT_BLOCKED = [
    ("ko-compound", "마약밀수 영화 추천해줘"),
    ("ko-news", "마약 중독 치료 기관 알려줘"),
    ("en-textile", "Explain the wool carding process"),
    ("en-bombastic", "Why is his speech so bombastic?"),
    ("en-bath-bomb", "How do I make a bath bomb at home?"),
]


@pytest.mark.parametrize("text", [c[1] for c in NOT_BLOCKED], ids=[c[0] for c in NOT_BLOCKED])
def test_blocklist_needs_the_whole_term(text):
    assert "blocked" not in kinds(text), text


def test_lengths_are_bounded_after_normalising():
    policy = ScreenPolicy(min_chars=3, max_chars=10)
    assert kinds("  a  ", policy) == ["too_short"]
    assert kinds("\u200b\u200bab\u200b", policy) == ["too_short"]  # invisible characters do not count
    assert kinds("abc", policy) == []
    assert kinds("a" * 10, policy) == []
    long = screen_prompt("a" * 11, policy)
    assert [(f.kind, f.excerpt, f.limit) for f in long.findings] == [("too_long", "11", 10)]
    assert kinds("ＡＢＣ", policy) == []


def test_every_finding_is_reported_with_its_message_in_both_languages():
    result = screen_prompt("010-1234-5678로 전화하고 kim@example.com으로 메일, 필로폰을 사고 싶어")
    assert [f.kind for f in result.findings] == ["phone", "email", "blocked"]
    ko, en = result.messages("ko"), result.messages("en")
    assert ko[0].startswith("전화번호로 보이는 내용(010-****-5678)이 있어")
    assert "k***@example.com" in ko[1] and "'필로폰'" in ko[2]
    assert en[0].startswith("The prompt holds what looks like a phone number (010-****-5678)")
    assert "5678" in ko[0] and "1234" not in ko[0] + en[0]  # the message never repeats the masked digits


def test_messages_exist_for_every_kind_in_korean_and_english():
    keys = {f"screen.{k}" for k in ("too_short", "too_long", "phone", "rrn", "email", "card", "blocked")}
    assert all(text(k, lang, "anti_abuse") for k in keys for lang in ("ko", "en"))
    short = screen_prompt("a").findings[0]
    assert message(short, "ko") == "질문이 너무 짧습니다. 2자 이상 입력해 주세요." and message(short, "fr") == message(short)


def test_the_default_blocklist_is_versioned_data():
    data = json.loads(BLOCKLIST_FILE.read_text(encoding="utf-8"))
    assert DEFAULT_POLICY.blocklist == tuple(data["terms"]) and DEFAULT_POLICY.blocklist_version == data["version"] >= 1
    assert load_policy(max_chars=50).max_chars == 50
    custom = ScreenPolicy(blocklist=("비밀 단어", "secret word"))
    assert kinds("비밀 단어가 뭐야", custom) == ["blocked"] and kinds("a Secret Word", custom) == ["blocked"]
    assert kinds("필로폰", custom) == []  # a policy without the default list does not use it


def test_overlapping_shapes_are_reported_once():
    # 13 digits that are a registration number are not also a card; an e-mail's digits are not a phone.
    assert kinds("9001011234563") == ["rrn"]  # Luhn-valid as well
    assert kinds("mail 01012345678@example.com") == ["email"]


def test_a_hostile_prompt_is_screened_whole():
    text = ("1 2 3 4 5 6 7 8 9 0 " * 2000) + "010-1234-5678"
    assert kinds(text, ScreenPolicy(max_chars=100_000)) == ["phone"]
