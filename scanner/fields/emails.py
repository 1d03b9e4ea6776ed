"""E-mail addresses: syntax checked (no DNS: nothing leaves the machine) and
the domain corrected only when it is clearly one of the common French ones.

The local part is never changed beyond case and spaces. Its doubt comes from
the engines, from its shape (:func:`mixed_digits_letters`: ``1.payet``,
``rolland14`` read ``rollandi4``) and from the row's names
(:mod:`scanner.fields.crosscheck`).
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

from scanner.fields.common import Reading, Vote, flag_low, vote
from scanner.flags import FlagKind, has
from scanner.model import FieldResult, OcrResult

#: The common French providers that readings are corrected towards.
KNOWN_DOMAINS = (
    "gmail.com",
    "orange.fr",
    "free.fr",
    "hotmail.fr",
    "hotmail.com",
    "laposte.net",
    "yahoo.fr",
    "sfr.fr",
    "wanadoo.fr",
    "outlook.fr",
    "outlook.com",
    "live.fr",
    "icloud.com",
    "protonmail.com",
    "gmx.fr",
    "neuf.fr",
    "bbox.fr",
    "aliceadsl.fr",
    "club-internet.fr",
    "numericable.fr",
)
#: Other frequent providers: accepted as they are, and they stop a near reading from
#: being "corrected" to a French one it merely resembles.
OTHER_DOMAINS = (
    "yahoo.com",
    "aol.com",
    "msn.com",
    "me.com",
    "mac.com",
    "ymail.com",
    "googlemail.com",
    "live.com",
    "gmx.com",
    "proton.me",
    "laposte.fr",
    "hotmail.be",
    "yahoo.be",
)
ALL_DOMAINS = KNOWN_DOMAINS + OTHER_DOMAINS
#: Domains long enough to be recognised at the end of a reading that lost its '@'
#: (a short one like "me.com" ends too many ordinary strings).
_SUFFIX_DOMAINS = sorted((d for d in ALL_DOMAINS if len(d) >= 8), key=len, reverse=True)
COMMON_TLDS = frozenset(
    {
        "fr",
        "com",
        "net",
        "org",
        "eu",
        "be",
        "ch",
        "lu",
        "ca",
        "de",
        "es",
        "it",
        "pt",
        "uk",
        "nl",
        "io",
        "info",
        "me",
        "re",
        "mc",
        "ma",
        "dz",
        "tn",
        "sn",
        "ci",
        "cm",
        "mg",
    }
)

_AT_SPELLINGS = ("(at)", "[at]", "(a)", "[a]", "©", "®", "＠")
#: What '@' often comes back as: when one of these sits where '@' should be, the
#: tool cannot tell a missed '@' from a misread one.
_AT_LOOKALIKES = set("aqoe0c69g.")
_LOCAL = re.compile(r"^[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*$")
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")

COMMA_FACTOR = 0.95  #: a comma read for a dot
AT_INSERTED_FACTOR = 0.8  #: '@' missing before a known domain
AT_GUESSED_FACTOR = 0.5  #: '@' taken to be a lookalike character (flagged)
ONE_EDIT_FACTOR = 0.85
TWO_EDITS_FACTOR = 0.7
NO_TLD_FACTOR = 0.75  #: "gmail" -> "gmail.com"
RARE_TLD_FACTOR = 0.75
MISSING_DOT_FACTOR = 0.7  #: an unknown domain whose dot was put back (flagged: a person checks)


def _prepare(text: str) -> tuple[str, float]:
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(text.split())
    for spelling in _AT_SPELLINGS:
        text = text.replace(spelling, "@")
    factor = 1.0
    if "," in text:
        text, factor = text.replace(",", "."), COMMA_FACTOR
    while "@@" in text:
        text = text.replace("@@", "@")
    return text.strip(".;:'\"<>()[]"), factor


#: The systematic handwriting confusions (r read as k, u as v), undone when that gives a known domain.
_DOMAIN_CONFUSIONS = str.maketrans("kv", "ru")
#: Digits read for the letters they look like (0utl00k.fr).
_DIGIT_LOOKALIKES = str.maketrans("015", "ols")


def _dot_before_tld(domain: str) -> str | None:
    """``domain`` with a dot put back before the longest common top-level domain it ends
    with, keeping at least two letters or digits before it (None when it ends with none)."""
    for tld in sorted(COMMON_TLDS, key=len, reverse=True):
        head = domain[: -len(tld)]
        if domain.endswith(tld) and len(head) >= 2 and head.isalnum():
            return f"{head}.{tld}"
    return None


def _fix_domain(domain: str) -> tuple[str, float, bool]:
    """(domain, confidence factor, doubt): a clear near miss of a known domain is corrected;
    a domain that is none and has no dot gets its dot back before its ending (a dot is
    small, and real hands lose it to the engines: "decom" for de.com), flagged."""
    fixed = _fix_known(domain)
    if fixed[0] in ALL_DOMAINS or "." in domain or (dotted := _dot_before_tld(domain)) is None:
        return fixed
    again, factor, _ = _fix_known(dotted)
    if again in ALL_DOMAINS:
        return again, factor * NO_TLD_FACTOR, False
    return again, factor * MISSING_DOT_FACTOR, True


def _fix_known(domain: str) -> tuple[str, float, bool]:
    """(domain, confidence factor, doubt): a clear near miss of a known domain is corrected."""
    if domain in ALL_DOMAINS:
        return domain, 1.0, False
    swapped = domain.translate(_DOMAIN_CONFUSIONS)
    if swapped != domain and swapped in ALL_DOMAINS:  # fkee.fk: a hand whose r reads as k
        return swapped, ONE_EDIT_FACTOR, False
    looks = domain.translate(_DIGIT_LOOKALIKES)
    if looks != domain and looks in ALL_DOMAINS:  # 0utl00k.fr: letters read as digits
        return looks, TWO_EDITS_FACTOR, False
    if "." not in domain:
        owners = [d for d in ALL_DOMAINS if d.split(".")[0] == domain]
        if len(owners) == 1:
            return owners[0], NO_TLD_FACTOR, False
    ranked = sorted((int(Levenshtein.distance(domain, d)), d) for d in ALL_DOMAINS)
    (best_d, best), second_d = ranked[0], ranked[1][0]
    if best_d == 1 and len(best) >= 7 and second_d >= 2:
        return best, ONE_EDIT_FACTOR, False
    if best_d == 2 and len(best) >= 9 and second_d >= 3:
        return best, TWO_EDITS_FACTOR, False
    if best_d <= 3:
        return domain, 1.0, True  # near a known domain but not clearly which: check by hand
    label = domain.rsplit(".", 1)[0]
    if any(c.isdigit() for c in label) and any(c.isalpha() for c in label):
        return domain, 1.0, True  # letters and digits mixed in a domain name: a likely misread
    tld = domain.rsplit(".", 1)[-1]
    return domain, (1.0 if tld in COMMON_TLDS else RARE_TLD_FACTOR), False


def _split_without_at(text: str) -> tuple[str, str, float, bool] | None:
    """A reading with no '@': a known domain at the end tells where it was."""
    for domain in _SUFFIX_DOMAINS:
        if text.endswith(domain) and len(text) > len(domain) + 1:
            local = text[: -len(domain)]
            if local[-1] in _AT_LOOKALIKES:
                return local[:-1], domain, AT_GUESSED_FACTOR, True
            return local, domain, AT_INSERTED_FACTOR, False
    return None


def read_email(candidate: OcrResult) -> Reading:
    text, factor = _prepare(candidate.text)
    # A dot before the address may be a speck, or what is left of an initial the
    # engines lost (j.dupont read .dupont): dropped, but a person checks.
    doubt = candidate.text.lstrip().startswith(".")
    if text.count("@") == 1:
        local, domain = text.split("@")
    elif "@" not in text and (split := _split_without_at(text)) is not None:
        local, domain, at_factor, doubt = split
        factor *= at_factor
    else:
        return Reading(value=text, confidence=candidate.confidence * factor, valid=False, source=candidate)
    domain, domain_factor, domain_doubt = _fix_domain(domain)
    value = f"{local}@{domain}"
    valid = bool(_LOCAL.match(local)) and bool(_DOMAIN.match(domain))
    return Reading(
        value=value,
        confidence=candidate.confidence * factor * domain_factor,
        valid=valid,
        source=candidate,
        doubt=doubt or domain_doubt,
    )


def interpret_email(candidates: list[OcrResult]) -> Vote | None:
    return vote([read_email(c) for c in candidates])


# -- after the vote: digits and letters that look alike in the local part ----------------

#: Letters handwriting OCR returns for digits (i/l for 1, o for 0, z for 2, s for 5...).
DIGITISH_LETTERS = frozenset("oilzsbgq")
#: Confidence ceiling of an address whose local part mixes digits and letters suspiciously.
MIXED_CAP = 0.45
_RUNS = re.compile(r"[a-z]+|[0-9]+")
#: What people put between the words of an address.
SEPARATORS = re.compile(r"[._+-]")


#: Digit each look-alike letter most often stands for.
_AS_DIGIT = str.maketrans("oilzsbgq", "01125699")
#: Years people put after their name (birth years, mostly).
_YEARS = range(1920, 2030)


def _year_in_letters(segment: str) -> bool:
    """``segment`` ends in four look-alike letters that spell a year (martinzool: 2001)."""
    tail = segment[-4:]
    if len(segment) < 5 or not all(c in DIGITISH_LETTERS for c in tail):
        return False
    return int(tail.translate(_AS_DIGIT)) in _YEARS


def mixed_digits_letters(local: str) -> str | None:
    """Why digits and letters in ``local`` look misread (None when they do not).

    People put a number or a year after their name (dupont75, marie1984); a
    reading that breaks that shape is suspect: an initial that is a digit
    (``1.payet``), a digit inside a word (``mass0n``), letters after a number
    (``boulanger7o``, ``hoarau3u``), a look-alike letter glued to a number
    (``rollandi4``, ``cecilei993``: i for 1; ``rodriguezz5``: z for 2), or a
    year read all as letters (``martinzool``: 2001).
    """
    segments = SEPARATORS.split(local)
    if len(segments) > 1 and len(segments[0]) == 1 and segments[0].isdigit():
        return "digit initial"
    if len(segments) > 1 and segments[0].isdigit() and any(c.isalpha() for c in segments[1]):
        return "a number before the name"  # 160.collet39: ugo read as digits
    for seg in segments:
        if _year_in_letters(seg):
            return "a year read as letters"
        runs = _RUNS.findall(seg)
        for k, run in enumerate(runs):
            if not run.isdigit():
                continue
            before = runs[k - 1] if k > 0 else ""
            after = runs[k + 1] if k + 1 < len(runs) else ""
            if before and after:
                return "digit inside a word" if len(run) <= 2 else "letters after a number"
            if after and len(after) <= 2:
                return "letters after a number"
            if before and before[-1] in DIGITISH_LETTERS and (len(run) == 3 or (before[-1] == "i" and len(run) <= 2)):
                return "look-alike letter next to a number"
    return None


def odd_separators(local: str) -> bool:
    """A separator at either end of the local part or next to another (``+.deoliveira``).

    Legal in places, but people do not write such addresses: a stroke or a
    letter was taken for punctuation (``a.deoliveira`` read ``+.deoliveira``).
    """
    return any(not seg for seg in SEPARATORS.split(local))


def check_email(result: FieldResult) -> FieldResult:
    """Flag (in place) an address whose local part mixes digits and letters, or separators, suspiciously."""
    if not result.value or "@" not in result.value or has(result.flags, FlagKind.INVALID):
        return result
    local = result.value.split("@", 1)[0]
    if mixed_digits_letters(local) is not None or odd_separators(local):
        flag_low(result, MIXED_CAP)
    return result
