"""Personal data in free text: bank accounts, NIK, NPWP, phones, e-mail, SP2D numbers, NIP,
street addresses and full names (the last only next to another identifier).

Numbers are told apart by their structure first (NIP and NIK carry a birth date, NPWP has a
fixed punctuation) and by the words just before them (a 16-digit number after "rek" is an
account, after "nik"/"ktp" a NIK). Numbers that belong to the desk itself - ticket numbers,
amounts, DIPA and regulation numbers, the centre's own contacts - are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from socialdesk.rules.types import PiiFinding, PiiKind

# The centre's published contacts are public by design; echoing them is never a leak.
OFFICIAL_NUMBERS: frozenset[str] = frozenset({"6287877114090", "14090", "62214090"})
OFFICIAL_EMAILS: frozenset[str] = frozenset({"hai.djpb@kemenkeu.go.id"})

# Between two digit groups: a space, a dot, a dash (any dash), an underscore or an invisible
# mark, or a dot, dash or underscore with a space either side ("0812 - 3456 - 7890"): spread
# digits are still one number.
_SEP = r"(?: ?[.\-_\u2010-\u2015] ?| |[\u200b\u200c\u200d\u2060])"
# A run of digits with separators between groups; "+62" may lead.
_NUMBER = re.compile(rf"(?<![\w+\-/#])(?:\+\s?)?(?:\(0[0-9]{{1,3}}\)\s?)?[0-9](?:{_SEP}?[0-9])*")
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}"
)
# What follows the "@" of every e-mail address: mentions ("@hai_djpb") have none, and this
# finds that at each "@" alone, where the address pattern is tried at every letter.
_EMAIL_DOMAIN = re.compile(r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
_NPWP_SHAPE = re.compile(r"^[0-9]{2}\.[0-9]{3}\.[0-9]{3}\.[0-9][.\-][0-9]{3}\.[0-9]{3}$")
_THOUSANDS = re.compile(r"^[0-9]{1,3}(?:[.,][0-9]{3})+$")
# An amount inside a run ("1.250.000 - 2.000.000" is a range of money, not one number).
_AMOUNT_PART = re.compile(r"(?<![0-9.,])[0-9]{1,3}(?:[.,][0-9]{3})+(?![0-9])")

_WINDOW = 40

_CTX_ACCOUNT = re.compile(
    r"\b(?:no\.?\s*rek|norek|rek|rekening|rekeningnya|account|a/c|virtual account|va"
    r"|bri|bni|bca|bsi|btn|mandiri|cimb(?:\s+niaga)?|danamon|permata|bjb|bpd|jago|mega"
    r"|ocbc|panin|maybank|muamalat|bank)\b\W*(?:[a-z.]+\W*){0,3}$",
    re.IGNORECASE,
)
_CTX_NIK = re.compile(r"\b(?:nik|ktp|e-?ktp|nomor induk kependudukan|kk)\b\W*(?:[a-z]+\W*){0,3}$",
                      re.IGNORECASE)
_CTX_NPWP = re.compile(r"\bnpwp\b\W*(?:[a-z]+\W*){0,3}$", re.IGNORECASE)
_CTX_SP2D = re.compile(r"\bsp2d\b\W*(?:[a-z]+\W*){0,4}$", re.IGNORECASE)
_CTX_NIP = re.compile(r"\b(?:nip|nrp)\b\W*(?:[a-z]+\W*){0,3}$", re.IGNORECASE)
_CTX_PHONE = re.compile(
    r"\b(?:hp|telp|telpon|telepon|tlp|tel|wa|whatsapp|nomor|no|hub|hubungi|kontak|call|sms)\b"
    r"\W*(?:[a-z]+\W*){0,3}$",
    re.IGNORECASE,
)
# Desk numbers: tickets, money, budget documents, regulations.
_CTX_NOT_PII = re.compile(
    r"(?:\b(?:tiket(?:nya|ku|mu)?|tickets?|laporan(?:nya|ku)?|aduan(?:nya|ku)?"
    r"|dipa|spm|spp|pmk|per|perdirjen|kmk|pp|uu|se|rp"
    r"|idr|usd|satker|kode|akun|nrk|register|kontrak|npsn|nup)\b\W*(?:[a-z]+\W*){0,2}|#\s*)$",
    re.IGNORECASE,
)
_AFTER_NOT_PII = re.compile(r"^\s*(?:/|jt\b|juta|rb\b|ribu|m\b|miliar|rupiah|%)", re.IGNORECASE)
_AFTER_ACCOUNT = re.compile(r"^\W{0,3}(?:a\.?\s?n\.?|atas nama)\s", re.IGNORECASE)

_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63,
     64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97}
)

_ADDRESS = re.compile(
    r"\b(?i:jl|jln|jalan|gg|gang|komp|komplek|perum|perumahan)\.?\s+"
    r"(?!(?i:no|nomor|km|rt|rw)\b)[A-Z0-9][\w'.-]*"
    r"(?:\s+(?!(?i:no|nomor|km|rt|rw)\b)[A-Z0-9][\w'.-]*){0,4}"
    # A house number, after "no"/"blok"/"km" or bare when short ("Jl. Kenanga 12").
    r"(?:(?:\s*,?\s*(?i:no|nomor|blok|km)\.?\s*[0-9]+|,?\s+[0-9]{1,4}(?![0-9]))"
    r"[A-Za-z]?(?:/[0-9]+)?)"
    r"(?:\s*,?\s*(?i:rt|rw|kel|kec|kelurahan|kecamatan|desa|kab|kota|kabupaten)\.?\s*"
    r"[0-9A-Z]\w*(?:\s*/\s*(?i:rw)?\.?\s*[0-9]+)?"
    r"(?:\s+(?!(?i:rt|rw|kel|kec|kab|kota|desa)\b)[A-Z][a-z]+){0,2})*"
)
_RT_RW = re.compile(r"\brt\.?\s*[0-9]{1,3}\s*[/,]?\s*rw\.?\s*[0-9]{1,3}\b", re.IGNORECASE)
_ADDRESS_NEAR = re.compile(
    r"\b(?:jl|jalan|gg|no|dusun|dsn|desa|kampung|kp|kelurahan|kel|perum|perumahan|komplek|"
    r"komp|blok)\b", re.IGNORECASE)
_ADDRESS_AFTER = re.compile(r"\W{0,3}(?:desa|ds|kel|kelurahan|kec|kecamatan|dusun)\b\.?",
                            re.IGNORECASE)
_ADDRESS_LEAD = re.compile(r"\balamat(?:\s+(?:saya|sy|kami|rumah|lengkap))?\s*[:\-]?\s*$",
                           re.IGNORECASE)

_NAME_WORD = r"[A-Z][a-z']+(?:-[A-Z][a-z']+)?"
_NAME = re.compile(
    rf"(?:\b(?i:a\.\s?n\.|a\.n|an\.|atas nama|nama lengkap|nama saya|nama sy|namaku)\s*:?\s*"
    rf"|(?:^|[.!?,]\s*)(?i:saya|sy|aku)\s+(?i:adalah\s+)?)"
    rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}})"
)
# A capitalised name just before the label of a personal identifier ("Ketua: Bambang Sutrisno,
# NIK ...", "dr. Kadek Ayu Pradnyani NIP ...", "Darmawan Siregar HP ..."): the number names its
# holder. Not after "di", "satker" and the like (a place or an office), nor before an account
# (an account's holder is named by "a.n.", and a unit's name often comes before its account).
_NAME_BEFORE_ID = re.compile(
    rf"(?<![\w.])(?<!\b(?i:cv|pt|ud|di|ke) )(?<!\b(?i:dari|pada) )(?<!\b(?i:satker) )"
    rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}})(?:\s*[,(:-]\s*|\s+)"
    r"(?=(?i:nip|nik|npwp|ktp|hp|wa|telp|tlp|no\.?\s?hp)\b)"
)
_NOT_NAME_WORDS = frozenset(
    {"cv", "pt", "ud", "tbk", "koperasi", "satker", "kppn", "kanwil", "bank", "bri", "bni",
     "mandiri", "bendahara", "pns", "ppk", "admin", "min", "kak", "mau", "ingin", "sudah",
     "dari", "di", "yang", "pegawai", "operator", "rekanan", "penyedia", "kepala", "staf",
     "dinas", "kantor", "balai", "universitas", "pemda", "pemkab", "pemkot", "desa",
     "pak", "bu", "bpk", "ibu", "bapak", "sdr", "sdri", "mohon", "tolong", "ketua", "nama",
     "no", "nomor", "dan", "atau", "dengan", "untuk", "utk", "ke", "rsud", "puskesmas",
     "kab", "kabupaten", "kota", "kec", "kecamatan", "kel", "kelurahan", "prov", "provinsi"}
)
# Titles before a name, left out of it ("Pak Budi Santoso" is the name "Budi Santoso").
_TITLES = frozenset({"pak", "bu", "bpk", "ibu", "bapak", "sdr", "sdri"})


_NOT_DIGIT = re.compile(r"[^0-9]+")
_ANY_DIGIT = re.compile(r"[0-9]")
_MIN_DIGITS = 8


def _digits(raw: str) -> str:
    return _NOT_DIGIT.sub("", raw)


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _is_nik(d: str) -> bool:
    if len(d) != 16 or int(d[:2]) not in _PROVINCES or d[12:] == "0000":
        return False
    day, month = int(d[6:8]), int(d[8:10])
    if day > 40:
        day -= 40
    return 1 <= month <= 12 and _valid_date(2000, month, day)


def _is_nip(d: str) -> bool:
    if len(d) != 18 or d[14] not in "12":
        return False
    born = _valid_date(int(d[0:4]), int(d[4:6]), int(d[6:8]))
    hired_year, hired_month = int(d[8:12]), int(d[12:14])
    return (
        born and 1940 <= int(d[0:4]) <= 2010 and 1960 <= hired_year <= 2040
        # PPPK (contract civil servants) carry 21 where a civil servant's month stands.
        and (1 <= hired_month <= 12 or hired_month == 21) and hired_year > int(d[0:4])
    )


def _national(d: str) -> str:
    return "0" + d[2:] if d.startswith("62") and not d.startswith("620") else d


_OFFICIAL_NATIONAL = frozenset(_national(n) for n in OFFICIAL_NUMBERS)


def _is_phone(raw: str, d: str) -> bool:
    if raw.lstrip().startswith("+") and not d.startswith("62"):
        # Another country's number in international form (E.164: a country code and at most
        # 15 digits in all), as a foreign supplier or a diaspora writer gives it.
        return 10 <= len(d) <= 15
    national = _national(d)
    if not national.startswith("0") or national in _OFFICIAL_NATIONAL:
        return False
    if national.startswith("08"):
        return 10 <= len(national) <= 13
    # Landline: area code 02x..09x then 5-8 digits, only when written as a phone number.
    return national[1] in "23456789" and 9 <= len(national) <= 12 and (
        "(" in raw or bool(re.match(r"^\(?0[0-9]{1,3}\)?[ \-.]", raw))
    )


def _is_sp2d_shape(d: str) -> bool:
    # SPAN numbering: 2-digit year, 3-digit KPPN code, "13" document type, 8-digit sequence.
    return len(d) == 15 and d[5:7] == "13" and 15 <= int(d[:2]) <= 40


def _classify_number(raw: str, before: str, after: str) -> PiiKind | None:
    d = _digits(raw)
    n = len(d)
    if n < _MIN_DIGITS or n > 20 or _national(d) in _OFFICIAL_NATIONAL:
        return None
    if _NPWP_SHAPE.match(raw.strip()):
        return "npwp"
    if _is_nip(d) and (_CTX_NIP.search(before) or not _CTX_ACCOUNT.search(before)):
        return "nip"
    if _CTX_NPWP.search(before) and n in (15, 16):
        return "npwp"
    if _CTX_NIK.search(before) and n == 16:
        return "nik"
    if _CTX_SP2D.search(before) and n == 15:
        return "sp2d_number"
    if n <= 18 and (
        _CTX_ACCOUNT.search(before)
        or (_AFTER_ACCOUNT.match(after) and not _THOUSANDS.match(raw.strip()))
    ):
        return "account_number"
    if _is_phone(raw, d):
        return "phone"
    if (_CTX_NOT_PII.search(before) or _AFTER_NOT_PII.match(after)
            or _THOUSANDS.match(raw.strip()) or _AMOUNT_PART.search(raw)):
        return None
    if _is_nik(d):
        return "nik"
    if _is_sp2d_shape(d):
        return "sp2d_number"
    if _CTX_PHONE.search(before) and 9 <= len(_national(d)) <= 13 and _national(d)[0] == "0":
        return "phone"
    if 12 <= n <= 16 and d[0] != "0":
        # A long bare number with nothing saying what it is: most often an account number.
        return "account_number"
    return None


_DIGIT_GROUP = re.compile(r"[0-9]+")
# Longest run of digit groups tried as one number; "0812 3456 7890" needs 3, NIP with spaces 4,
# a NIK written digit by digit 16 (no wanted number has more than 20 digits).
_MAX_GROUPS = 20


# Characters a number may have before its first digit: "+", a space and "(" at most.
_NUMBER_LEAD = 3


def _numbers(text: str, first_digit: int = 0) -> Iterable[PiiFinding]:
    # No number starts before the text's first digit less its lead, so the scan (which tries
    # a look-behind at every position) starts there; the look-behind still sees what is before.
    for m in _NUMBER.finditer(text, max(0, first_digit - _NUMBER_LEAD)):
        start, end = m.start(), m.end()
        digits = _digits(m.group())
        # Every kind of number wanted here has at least 8 digits, and a part of a run has no
        # more digits than the run itself.
        if len(digits) < _MIN_DIGITS or _national(digits) in _OFFICIAL_NATIONAL:
            continue
        groups = [(g.start() + start, g.end() + start) for g in _DIGIT_GROUP.finditer(m.group())]
        groups[0] = (start, groups[0][1])
        if end < len(text) and text[end].isalnum():
            # The last group belongs to a word ("2x", "10jt"), not to the number.
            groups.pop()
        # Separators may join a number to its neighbour ("NIK 3374... 2 kali"): try the whole
        # run first, then shorter runs of groups, longest first, from the left.
        i = 0
        while i < len(groups):
            for j in range(min(len(groups), i + _MAX_GROUPS), i, -1):
                s, e = groups[i][0], groups[j - 1][1]
                before, after = text[max(0, s - _WINDOW):s], text[e:e + _WINDOW]
                kind = _classify_number(text[s:e], before, after)
                if kind is not None:
                    yield PiiFinding(kind, s, e)
                    i = j
                    break
            else:
                i += 1


# Words one of which every street address starts with. Matched on str.lower(), which folds
# every character that the pattern's case-insensitive keywords accept (the Kelvin sign too).
_ADDRESS_WORDS = ("jl", "jalan", "gg", "gang", "komp", "perum")


# Digits read aloud, one word per digit ("nol delapan satu tiga ..."), in Indonesian or English,
# alone or mixed with written digits ("0813 dua dua empat ..."): a number spelled out is still
# a number, and is judged like one (by its digits and the words before it). Six tokens at least,
# two of them words (written digits alone are _numbers' part); "dua puluh", "lima ratus" and
# the like break a run, so amounts in words never form one.
_DIGIT_WORDS: dict[str, str] = {
    "nol": "0", "kosong": "0", "zero": "0", "satu": "1", "one": "1", "dua": "2", "two": "2",
    "tiga": "3", "three": "3", "empat": "4", "four": "4", "lima": "5", "five": "5",
    "enam": "6", "six": "6", "tujuh": "7", "seven": "7", "delapan": "8", "lapan": "8",
    "eight": "8", "sembilan": "9", "nine": "9",
}
_SPELLED_TOKEN = "(?:" + "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True)) + r"|[0-9]+)\b"
_SPELLED = re.compile(rf"(?i)\b{_SPELLED_TOKEN}(?:[ ,.\-]{{1,3}}{_SPELLED_TOKEN}){{5,}}")
_SPELLED_PART = re.compile(rf"(?i){_SPELLED_TOKEN}")
# Every run holds two digit words that follow each other: a cheap test, on the lowered text
# (a case-sensitive pattern without a leading word boundary lets the engine skip ahead by the
# first letters: 3 us a message instead of 25), before the full pattern.
_SPELLED_GATE = re.compile(
    "(?:" + "|".join(_DIGIT_WORDS) + r")[ ,.\-]{1,3}(?:" + "|".join(_DIGIT_WORDS) + ")"
)


def _spelled_numbers(text: str) -> Iterable[PiiFinding]:
    if _SPELLED_GATE.search(text.lower()) is None:
        return
    for m in _SPELLED.finditer(text):
        parts = _SPELLED_PART.findall(m.group())
        if sum(not p[0].isdigit() for p in parts) < 2:
            continue
        digits = "".join(p if p[0].isdigit() else _DIGIT_WORDS[p.lower()] for p in parts)
        before, after = text[max(0, m.start() - _WINDOW):m.start()], text[m.end():m.end() + _WINDOW]
        kind = _classify_number(digits, before, after)
        if kind is not None:
            yield PiiFinding(kind, m.start(), m.end())


def _addresses(text: str) -> Iterable[PiiFinding]:
    # Only called on texts with a digit, which both shapes need; RT/RW needs its "rw" too.
    lowered = text.lower()
    if any(word in lowered for word in _ADDRESS_WORDS):
        for m in _ADDRESS.finditer(text):
            yield PiiFinding("address", m.start(), m.end())
    if "rw" not in lowered:
        return
    for m in _RT_RW.finditer(text):
        lead = text[max(0, m.start() - 60):m.start()]
        tail = text[m.end():m.end() + 40]
        # A street, or a hamlet or village around it ("Dusun Ngrayudan RT 02/RW 05, Desa ..."):
        # an RT and RW are a home's place, not a figure.
        if ("alamat" in lead.lower() or _ADDRESS_NEAR.search(lead)
                or _ADDRESS_AFTER.match(tail)):
            yield PiiFinding("address", m.start(), m.end())


def _names(text: str) -> Iterable[PiiFinding]:
    for m in _NAME_BEFORE_ID.finditer(text):
        words = m.group("name").split()
        while words and words[0].lower() in _TITLES:
            words.pop(0)
        if len(words) >= 2 and not any(w.lower() in _NOT_NAME_WORDS for w in words):
            end = m.end("name")
            yield PiiFinding("name_full", end - len(" ".join(words)), end)
    for m in _NAME.finditer(text):
        words = m.group("name").split()
        while words and words[-1].lower() in _NOT_NAME_WORDS:
            words.pop()
        if len(words) < 2 or any(w.lower() in _NOT_NAME_WORDS for w in words):
            continue
        start = m.start("name")
        end = start + len(" ".join(words))
        if text[start:end] == " ".join(words):
            yield PiiFinding("name_full", start, end)


# An international bank account number (a foreign supplier's account in a payment query):
# country code, two check digits and up to 30 letters or digits, written in groups of four or
# run together, and valid only if its ISO 13616 check (mod 97) holds.
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_IBAN_GATE = re.compile(r"[A-Z]{2}[0-9]{2}")


def _is_iban(raw: str) -> bool:
    compact = raw.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def _ibans(text: str) -> Iterable[PiiFinding]:
    for m in _IBAN.finditer(text):
        if _is_iban(m.group()):
            yield PiiFinding("account_number", m.start(), m.end())


def _drop_overlaps(found: list[PiiFinding]) -> list[PiiFinding]:
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[PiiFinding] = []
    for f in found:
        if kept and f.start < kept[-1].end:
            continue
        kept.append(f)
    return kept


def find_pii(text: str) -> list[PiiFinding]:
    """Every piece of personal data in `text`, in order, without overlaps."""
    found: list[PiiFinding] = [
        PiiFinding("email", m.start(), m.end()) for m in _EMAIL.finditer(text)
        if m.group().casefold() not in OFFICIAL_EMAILS
    ] if "@" in text and _EMAIL_DOMAIN.search(text) else []
    # Numbers and addresses (house, RT and RW numbers) all need a digit.
    digit = _ANY_DIGIT.search(text)
    if digit is not None:
        if sum(map(text.count, "0123456789")) >= _MIN_DIGITS:
            # A number wanted here has that many digits, all of them in the text.
            taken = [(f.start, f.end) for f in found]
            found.extend(
                f for f in _numbers(text, digit.start())
                if not any(s <= f.start < e for s, e in taken)
            )
        found.extend(_addresses(text))
        if _IBAN_GATE.search(text):
            # Before the digit runs inside it: the longer finding wins the overlap.
            found.extend(_ibans(text))
    found.extend(_spelled_numbers(text))
    if found:
        found.extend(_names(text))
    return _drop_overlaps(found)


_LABELS: dict[str, str] = {
    "account_number": "[REKENING]", "nik": "[NIK]", "npwp": "[NPWP]", "phone": "[TELEPON]",
    "email": "[EMAIL]", "sp2d_number": "[SP2D]", "nip": "[NIP]", "address": "[ALAMAT]",
    "name_full": "[NAMA]",
}


def mask(text: str) -> str:
    """`text` with each piece of personal data replaced by a label such as [NIK]."""
    parts: list[str] = []
    cursor = 0
    for f in find_pii(text):
        parts.append(text[cursor:f.start])
        parts.append(_LABELS[f.kind])
        cursor = f.end
    parts.append(text[cursor:])
    return "".join(parts)


def pii_kinds(text: str) -> list[str]:
    """The kinds of personal data in `text`, sorted and without repeats."""
    return sorted({f.kind for f in find_pii(text)})
