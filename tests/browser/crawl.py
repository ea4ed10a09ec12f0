"""The crawl: every page one role can reach by following links, in both languages, on a desktop
and a phone, each checked by ``crawl_checks``; and its report under ``var/crawl/``.

Walking: breadth first from the role's start pages over same-origin ``<a href>`` links (GET
only: forms are never posted, so nothing is changed, and sign-out is a form). Downloads, the
API, the language switch and other origins are not followed. Pages are grouped by *pattern*:
ids in the path (UUIDs, numbers) and query values are replaced, and each pattern is opened at
most ``PER_PATTERN`` times, so a queue of a thousand cases costs a few visits, not a thousand.

Each page is opened at 1280 px and checked (axe on the first page of each pattern), then the
viewport is narrowed to 390 px and its width measured again: one load serves both widths, since
the portal's layout depends on the width alone (no user-agent sniffing).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import VIEWPORTS
from tests.browser.crawl_checks import (
    MEASURE_WIDTH,
    READ_PAGE,
    Finding,
    Kind,
    lang_of,
    overflow,
    text_findings,
)

ROOT = Path(__file__).resolve().parents[2]
REPORT_DIR = ROOT / "var" / "crawl"
SCREENSHOTS = ROOT / "var" / "screenshots"
PER_PATTERN = 2
MAX_PAGES = 40  # per role and language; the largest walk today (anonymous) is 26
MAX_SHOTS = 3
AXE = Axe()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Not followed: downloads (CSV, documents, files), the API and its docs, the language switch
# (each language is walked on its own), sign-out.
_NOT_FOLLOWED = re.compile(
    r"^/(?:api|lang|logout|static)(?:/|$)|\.(?:csv|pdf|json|png|jpe?g)$"
    r"|/documents/[^/]+$|^/wallet/[^/]+$|/batch\.csv$"
)
_ID = re.compile(
    r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+|[0-9a-f]{32}"
    r"|[A-Z]{2,4}\d{6,})$"
)


def pattern_of(path_and_query: str) -> str:
    """``/staff/cases/<uuid>?tab=notes`` → ``/staff/cases/{id}?tab=``."""
    parts = urlsplit(path_and_query)
    path = "/".join("{id}" if _ID.match(seg) else seg for seg in parts.path.split("/"))
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(f"{k}=" for k in keys) if keys else "")


def followable(server: str, href: str) -> str | None:
    """The path and query of a link the crawl follows, or None."""
    if not href or href.startswith(("mailto:", "tel:", "javascript:", "#")):
        return None
    url, _ = urldefrag(href if "://" in href else server + href if href.startswith("/") else "")
    if not url.startswith(server + "/"):
        return None
    parts = urlsplit(url)
    if _NOT_FOLLOWED.search(parts.path):
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + ("?" + query if query else "")


@dataclass
class Visit:
    path: str
    status: int
    findings: list[Finding] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)


@dataclass
class Walk:
    """One role in one language: each page checked at 1280 px, then measured at 390 px."""

    role: str
    lang: str
    visits: list[Visit] = field(default_factory=list)
    seconds: float = 0.0

    def findings(self) -> list[tuple[Visit, Finding]]:
        return [(v, f) for v in self.visits for f in v.findings]


# axe-core is put into every document of a crawl context once (``prepare``), instead of sent
# with each run; only serious and critical violations come back.
_AXE_RUN = """
async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
  });
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.help} @ ${JSON.stringify(
      v.nodes.slice(0, 3).map(n => n.target))}`);
}
"""


def prepare(context: BrowserContext) -> None:
    """Makes axe-core available on every page the context opens."""
    context.add_init_script(script=AXE.axe_script)


def axe_findings(page: Page) -> list[Finding]:
    return [Finding(Kind.AXE, text) for text in page.evaluate(_AXE_RUN, AXE_TAGS)]


def once(found: list[Finding]) -> list[Finding]:
    """The same finding repeated down a page (a label on every row) is reported once."""
    return [
        f if n == 1 else Finding(f.kind, f"{f.detail} (×{n})") for f, n in Counter(found).items()
    ]


def _open(page: Page, server: str, path: str) -> int:
    try:
        response = page.goto(server + path, wait_until="domcontentloaded")
    except PlaywrightError as exc:
        if "Download is starting" in str(exc):
            return 0
        raise
    return response.status if response is not None else 0


class _Camera:
    """Full-page screenshots of failing pages, a few per walk."""

    def __init__(self, walk: Walk) -> None:
        self.walk = walk
        self.taken = 0

    def shoot(self, page: Page, visit: Visit, width: str) -> None:
        if self.taken >= MAX_SHOTS:
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^A-Za-z0-9]+", "_", visit.path).strip("_") or "home"
        name = f"crawl-{self.walk.role}-{self.walk.lang}-{width}-{slug[:80]}.png"
        try:
            page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
        except PlaywrightError:
            return
        visit.screenshots.append(f"var/screenshots/{name}")
        self.taken += 1


def _visit(page: Page, server: str, walk: Walk, path: str, camera: _Camera, *, axe: bool) -> Visit:
    """Opens ``path`` at 1280 px: status, axe (``axe``: the first page of its pattern), text and
    width; then measures it at 390 px."""
    status = _open(page, server, path)
    visit = Visit(path, status)
    if status >= 500:
        visit.findings.append(Finding(Kind.SERVER_ERROR, f"{status} from GET {path}"))
    elif status >= 400:
        visit.findings.append(Finding(Kind.DEAD_LINK, f"{status} from GET {path}"))
    if status >= 400 or not status:
        if visit.findings:
            camera.shoot(page, visit, "desktop")
        return visit
    # Layout settles once the web fonts are in: axe's target-size measured before that saw the
    # header's brand link overlapped on long pages (a finding no later run reproduced).
    page.evaluate("document.fonts.ready.then(() => true)")
    found = axe_findings(page) if axe else []
    reading = page.evaluate(READ_PAGE)
    if reading["lang"] and lang_of(str(reading["lang"])) != walk.lang:
        found.append(Finding(Kind.NO_LANG, f"lang={reading['lang']!r} on a {walk.lang} walk"))
    found += text_findings(reading)
    found += overflow(page.evaluate(MEASURE_WIDTH), "desktop")
    visit.findings = once(found)
    if visit.findings:
        camera.shoot(page, visit, "desktop")
    page.set_viewport_size(VIEWPORTS["phone"])
    narrow = overflow(page.evaluate(MEASURE_WIDTH), "phone")
    if narrow:
        visit.findings += narrow
        camera.shoot(page, visit, "phone")
    page.set_viewport_size(VIEWPORTS["desktop"])
    return visit


def walk(
    context: BrowserContext,
    server: str,
    role: str,
    lang: str,
    start: list[str],
    skip: re.Pattern[str] | None = None,
) -> Walk:
    """Walks from ``start`` breadth first. ``skip`` names paths this role does not walk (pages
    another role's walk covers)."""
    began = time.monotonic()
    result = Walk(role, lang)
    camera = _Camera(result)
    seen_patterns: Counter[str] = Counter()
    axed: set[str] = set()
    queued: set[str] = set(start)
    queue: deque[str] = deque(start)
    for path in start:
        seen_patterns[pattern_of(path)] += 1
    page = context.new_page()
    page.set_viewport_size(VIEWPORTS["desktop"])
    while queue and len(result.visits) < MAX_PAGES:
        path = queue.popleft()
        pattern = pattern_of(path)
        visit = _visit(page, server, result, path, camera, axe=pattern not in axed)
        axed.add(pattern)
        result.visits.append(visit)
        if visit.status != 200:
            continue
        for href in page.eval_on_selector_all(
            "a[href]", "as => as.map(a => a.getAttribute('href'))"
        ):
            target = followable(server, href)
            if target is None or target in queued or (skip and skip.search(target)):
                continue
            pattern = pattern_of(target)
            if seen_patterns[pattern] >= PER_PATTERN:
                continue
            seen_patterns[pattern] += 1
            queued.add(target)
            queue.append(target)
    page.close()
    result.seconds = round(time.monotonic() - began, 1)
    return result


# --- Report --------------------------------------------------------------------------------


def save(role: str, walks: list[Walk]) -> Path:
    """Writes this role's walks to ``var/crawl/roles/<role>.json`` and rebuilds the report of
    every role on file (``var/crawl/report.json`` and ``report.txt``)."""
    roles = REPORT_DIR / "roles"
    roles.mkdir(parents=True, exist_ok=True)
    document = {
        "role": role,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "walks": [asdict(w) for w in walks],
    }
    _write(roles / f"{role}.json", json.dumps(document, ensure_ascii=False, indent=1))
    rebuild_report()
    return roles / f"{role}.json"


def rebuild_report() -> None:
    documents = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((REPORT_DIR / "roles").glob("*.json"))
    ]
    kinds: Counter[str] = Counter()
    lines = ["Crawl report (tests/browser/test_crawl.py)", ""]
    lines.append(f"{'role':<22}{'lang':<6}{'pages':>7}{'findings':>10}{'seconds':>9}")
    details: list[str] = []
    for doc in documents:
        for w in doc["walks"]:
            n = sum(len(v["findings"]) for v in w["visits"])
            lines.append(
                f"{doc['role']:<22}{w['lang']:<6}{len(w['visits']):>7}{n:>10}{w['seconds']:>9}"
            )
            for v in w["visits"]:
                for f in v["findings"]:
                    kinds[f["kind"]] += 1
                    details.append(
                        f"[{f['kind']}] {doc['role']} {w['lang']} {v['path']}: {f['detail']}"
                    )
    lines += [
        "",
        "Findings by kind: " + (", ".join(f"{k} {n}" for k, n in kinds.most_common()) or "none"),
        "",
    ]
    lines += details
    summary = {
        "roles": [d["role"] for d in documents],
        "findings_by_kind": dict(kinds),
        "walks": documents,
    }
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    _write(REPORT_DIR / "report.json", json.dumps(summary, ensure_ascii=False, indent=1))
    _write(REPORT_DIR / "report.txt", "\n".join(lines) + "\n")


def _write(path: Path, text: str) -> None:
    # Two xdist workers may rebuild the report at once: each writes whole files by rename.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def summary(walks: list[Walk], limit: int = 40) -> str:
    lines = [f"{w.lang} {v.path}: [{f.kind}] {f.detail}" for w in walks for v, f in w.findings()]
    more = f"\n… and {len(lines) - limit} more (var/crawl/report.txt)" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more
