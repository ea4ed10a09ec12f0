"""What the crawl finds wrong on a page it has opened: the checks, kept apart from the walking.

A page is read once by one script (``READ_PAGE``) into text runs (each text node with the
language it is marked with, whether a Shanghai-zoned ``<time>`` holds it, and the block it sits
in) and its overflow; the checks below are plain functions of that reading, so what counts as a
finding is decided in one place and can be tested without a browser.

Low noise by design: data is not words. E-mail addresses, URLs and paths, file names, domain
names, case numbers and the names of the demo people and employers are taken out before text is
judged; text in ``<code>``/``<pre>``/``<kbd>``/``<samp>`` is not read; text marked with a
``lang`` other than the page's (the language switcher, a name kept in Chinese) is judged in its
own language, not the page's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from app.domain import enums as domain_enums
from app.rules import FACTS
from app.rules.explain import country_choices
from app.services import demo
from app.workflow import applications, deadlines, housing, payments, states

# --- Reading a page ------------------------------------------------------------------------

# The page's width against the viewport's, and the widest leaves that stick out.
MEASURE_WIDTH = r"""
() => {
  const root = document.documentElement;
  const limit = root.clientWidth;
  const wide = [];
  if (root.scrollWidth > limit) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > limit + 1 && el.children.length === 0) {
        const cls = el.className && typeof el.className === 'string'
          ? '.' + el.className.trim().split(/\s+/).join('.') : '';
        wide.push(el.tagName.toLowerCase() + cls + ' (' + Math.round(r.right) + 'px)');
        if (wide.length >= 3) break;
      }
    }
  }
  return {scroll: root.scrollWidth, client: limit, wide};
}
"""

# The text people see or hear. What a closed <details> holds is one click away: it is opened
# first (and stays open, so the widths are measured with it too).
READ_PAGE = r"""
() => {
  const root = document.documentElement;
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const SKIP = 'script,style,noscript,template,code,pre,kbd,samp,textarea';
  const BLOCK = 'p,li,td,th,dd,dt,h1,h2,h3,h4,h5,h6,label,legend,summary,button,a,caption,'
    + 'figcaption,option,blockquote,div,section,header,footer,nav,main,form,fieldset,dl,table';
  const blocks = new Map();
  const runs = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  // A page of thousands of rows (an audit log) repeats its few patterns: its first runs are
  // enough, and sending all of them back costs minutes.
  for (let node = walker.nextNode(); node && runs.length < 3000; node = walker.nextNode()) {
    const text = node.nodeValue.replace(/\s+/g, ' ').trim();
    if (!text) continue;
    const el = node.parentElement;
    if (!el || el.closest(SKIP)) continue;
    const shown = el.closest('select') || el;
    if (!shown.checkVisibility({visibilityProperty: true})) continue;
    const block = el.closest(BLOCK) || document.body;
    if (!blocks.has(block)) blocks.set(block, blocks.size);
    const marked = el.closest('[lang]');
    const time = el.closest('time[datetime]');
    runs.push({
      text,
      lang: marked ? marked.getAttribute('lang') : '',
      zoned: !!time && /\+08:00|Asia\/Shanghai/.test(time.getAttribute('datetime')),
      quoted: !!el.closest('blockquote,q'),
      block: blocks.get(block),
    });
  }
  return {lang: root.getAttribute('lang') || '', runs};
}
"""


@dataclass(frozen=True)
class Run:
    text: str
    lang: str  # "zh" or "en": the language the text is marked with (or the page's)
    zoned: bool
    block: int
    # A quotation is in its source's language (the language check passes it by).
    quoted: bool = False


@dataclass(frozen=True)
class Finding:
    kind: str
    detail: str


class Kind(StrEnum):
    SERVER_ERROR = "server-error"
    DEAD_LINK = "dead-link"
    NO_LANG = "page-lang"
    OVERFLOW = "overflow"
    RAW_CODE = "raw-code"
    LANGUAGE = "language"
    TIME_ZONE = "time-zone"
    AXE = "axe"


def lang_of(attribute: str) -> str:
    return "zh" if attribute.lower().startswith("zh") else "en"


def runs_of(reading: dict[str, object], page_lang: str) -> list[Run]:
    raw = reading["runs"]
    assert isinstance(raw, list)
    return [
        Run(
            r["text"],
            lang_of(r["lang"]) if r["lang"] else page_lang,
            r["zoned"],
            r["block"],
            r.get("quoted", False),
        )
        for r in raw
    ]


# --- Data that is not words ----------------------------------------------------------------

_DATA = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|https?://\S+"  # URLs
    r"|(?<![\w.])/[\w.~%=&?/-]*[\w/]"  # paths
    r"|\b[\w-]+\.(?:pdf|jpe?g|png|gif|webp|csv|txt|json|docx?|xlsx?|zip)\b"  # file names
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:cn|com|org|net|gov|edu|de|example)\b",  # domain names
    re.IGNORECASE | re.ASCII,
)
# The demo people, staff and employers, and the holidays: names are data, kept as they are in
# either language.
DEMO_NAMES: tuple[str, ...] = tuple(
    sorted(
        {
            "李伟",
            "张敏",
            "Anna Schmidt",
            "人事专员",
            "市人才服务中心管理员",
            "系统管理员",
            # The shipped working-day calendar names each holiday as the State Council's
            # notice does; a note is free text, kept as entered.
            *("元旦", "春节", "清明", "劳动节", "端午", "中秋", "国庆节"),
            *(name for name, _, _ in demo._EMPLOYERS),
            *(
                f"{district}{title}"
                for district in demo._DISTRICT_NAMES.values()
                for _, title, _, _ in demo._STAFF
            ),
        },
        key=len,
        reverse=True,
    )
)


def words(text: str) -> str:
    """``text`` without what is data rather than words."""
    text = _DATA.sub(" ", text)
    for name in DEMO_NAMES:
        text = text.replace(name, " ")
    return text


# --- Raw codes -----------------------------------------------------------------------------

_CODE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("python value", re.compile(r"(?<![\w-])(?:True|False)(?![\w-])", re.ASCII)),
    # "None." and "None yet" are English; None beside brackets, commas or "=" is Python's.
    ("python value", re.compile(r"[=(\[,]\s*None\b|\bNone\s*[\]),]", re.ASCII)),
    (
        "empty list or mapping",
        re.compile(r"\[\s*\]|\{\s*\}|\[\s*'[^']*'(?:,\s*'[^']*')*\]", re.ASCII),
    ),
    ("policy id", re.compile(r"\b(?:yangpu|changning)\.[a-z][a-z0-9_]*(?:@[\d-]+)?", re.ASCII)),
    ("district code", re.compile(r"(?<![\w.@/-])(?:yangpu|changning)(?![\w@/-]|\.\w)", re.ASCII)),
    ("policy id", re.compile(r"\b(?:shanghai|national)\.[a-z][a-z0-9_]*(?:@[\d-]+)?", re.ASCII)),
    ("dotted code", re.compile(r"(?<![\w.@/-])[a-z]+\.[a-z]+_[a-z_]+(?![\w@/-]|\.\w)", re.ASCII)),
    (
        "snake_case",
        re.compile(r"(?<![\w.@/-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@/-]|\.\w)", re.ASCII),
    ),
)


# A whole text that is one of these is a value printed as it is stored.
_VALUES = {"true", "false", "null", "none", "[]", "{}", "True", "False"}


def _enum_values() -> frozenset[str]:
    modules = (domain_enums, states, applications, deadlines, housing, payments)
    values: set[str] = set()
    for module in modules:
        for item in vars(module).values():
            if isinstance(item, type) and issubclass(item, StrEnum) and item is not StrEnum:
                values.update(str(v.value) for v in item)
    for spec in FACTS.values():
        values.update(v.code for v in spec.values)
    return frozenset(v for v in values if re.fullmatch(r"[a-z][a-z0-9_]{2,}", v))


ENUM_VALUES = _enum_values()
# Answer codes whose English label is the code itself ("enterprise"): words on an English page.
SAME_IN_ENGLISH = frozenset(
    v.code
    for spec in FACTS.values()
    for v in spec.values
    if v.label.en.strip().lower() == v.code.replace("_", " ")
)
# Two-letter codes that are also ordinary abbreviations in a portal's text.
_NOT_COUNTRIES = {"ID", "IT", "AM", "PM", "HR", "TV", "PS", "AI", "CV"}
COUNTRY_CODES = frozenset(code for code, _ in country_choices("en")) - _NOT_COUNTRIES


def raw_codes(runs: list[Run]) -> list[Finding]:
    found: list[Finding] = []
    for run in runs:
        text = words(run.text)
        exact = run.text.strip(" :：,，.。()（）")
        if exact in _VALUES or (run.lang == "zh" and exact == "None"):
            found.append(Finding(Kind.RAW_CODE, f"value {exact!r} in {clip(run)}"))
            continue
        if exact in ENUM_VALUES and not (run.lang == "en" and exact in SAME_IN_ENGLISH):
            found.append(Finding(Kind.RAW_CODE, f"code value {exact!r}"))
            continue
        if exact in COUNTRY_CODES:
            found.append(Finding(Kind.RAW_CODE, f"country code {exact!r}"))
            continue
        for label, pattern in _CODE_PATTERNS:
            if match := pattern.search(text):
                found.append(Finding(Kind.RAW_CODE, f"{label} {match.group(0)!r} in {clip(run)}"))
                break
    return found


# --- Language ------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Acronyms and units read the same in both languages (PDF, TOTP, CSV, API, HR, ID, CNY, km).
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_SHARED = re.compile(r"^(?:[A-Z]{1,6}s?|[A-Z][a-z]?|km|kg|cm|mm|m²|x|vs)$")
# One Chinese character carries about as much as three Latin letters.
WEIGHT = 3


# What the raw-code check reports is not counted again as words of the other language.
_CODE_LIKE = re.compile(r"\b[a-z][a-z0-9]*(?:[._][a-z0-9]+)+\b|\b(?:True|False|None)\b", re.ASCII)


def _letters(text: str) -> tuple[int, int]:
    text = _CODE_LIKE.sub(" ", words(text))
    cjk = len(_CJK.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text) if not _SHARED.match(w))
    return cjk, latin


def wrong_language(runs: list[Run], page_lang: str) -> list[Finding]:
    """A block whose unmarked text is mostly in the other language, and a page that is."""
    blocks: dict[int, list[Run]] = {}
    for run in runs:
        if run.lang == page_lang and not run.quoted:
            blocks.setdefault(run.block, []).append(run)
    found: list[Finding] = []
    total_cjk = total_latin = 0
    for block in blocks.values():
        text = " ".join(r.text for r in block)
        cjk, latin = _letters(text)
        total_cjk += cjk
        total_latin += latin
        if page_lang == "en" and cjk >= 2 and cjk * WEIGHT > latin:
            found.append(Finding(Kind.LANGUAGE, f"Chinese on an English page: {clip_text(text)}"))
        if page_lang == "zh" and latin >= 12 and latin > cjk * WEIGHT:
            found.append(Finding(Kind.LANGUAGE, f"English on a Chinese page: {clip_text(text)}"))
    if page_lang == "en" and total_cjk * WEIGHT > total_latin:
        found.append(Finding(Kind.LANGUAGE, "the English page is mostly Chinese"))
    if page_lang == "zh" and total_latin > total_cjk * WEIGHT:
        found.append(Finding(Kind.LANGUAGE, "the Chinese page is mostly English"))
    return found


# --- Times ---------------------------------------------------------------------------------

# A time of day with a date before it is a moment, and a moment needs its zone: "2026-12-07
# 03:11", "12月7日 03:11". Opening hours ("9:00–17:00") are a Shanghai office's own and pass.
_MOMENT = re.compile(
    r"(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}月\d{1,2}日)[ T,，]*\d{1,2}:\d{2}(?::\d{2})?"
)
_ZONE = re.compile(
    r"北京时间|上海时间|Shanghai time|Beijing time|UTC\s?\+\s?0?8|GMT\s?\+\s?0?8|\+08:?00"
)


def unzoned_times(runs: list[Run]) -> list[Finding]:
    block_text: dict[int, str] = {}
    for run in runs:
        block_text[run.block] = block_text.get(run.block, "") + " " + run.text
    found = []
    for run in runs:
        if run.zoned or not (match := _MOMENT.search(run.text)):
            continue
        if _ZONE.search(block_text[run.block]):
            continue
        found.append(Finding(Kind.TIME_ZONE, f"{match.group(0)!r} in {clip(run)}"))
    return found


# --- Layout --------------------------------------------------------------------------------


def overflow(measure: dict[str, object], width: str) -> list[Finding]:
    """``measure`` is what ``MEASURE_WIDTH`` answered at ``width``."""
    scroll, client = measure["scroll"], measure["client"]
    assert isinstance(scroll, int) and isinstance(client, int)
    if scroll <= client:
        return []
    wide = measure["wide"]
    where = ", ".join(wide) if isinstance(wide, list) and wide else "?"
    return [Finding(Kind.OVERFLOW, f"at {width}: {scroll}px wide in {client}px: {where}")]


def text_findings(reading: dict[str, object]) -> list[Finding]:
    """Raw codes, wrong language and unzoned times on a page read by ``READ_PAGE``."""
    attribute = str(reading["lang"])
    if not attribute:
        return [Finding(Kind.NO_LANG, "<html> has no lang attribute")]
    page_lang = lang_of(attribute)
    runs = runs_of(reading, page_lang)
    return [*raw_codes(runs), *wrong_language(runs, page_lang), *unzoned_times(runs)]


def clip(run: Run) -> str:
    return clip_text(run.text)


def clip_text(text: str, limit: int = 90) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
