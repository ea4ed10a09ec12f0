"""Keep the catalogs in step with the code: ``python scripts/i18n.py [--fill FILE.json]``.

Extracts every msgid from app/ and templates/, merges it into the zh and en catalogs (keeping
existing translations), and optionally fills Chinese translations from a JSON object. The test
suite fails while any msgid lacks a Chinese translation.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "app" / "i18n" / "locales"


def extract() -> None:
    pot = ROOT / "var" / "messages.pot"
    pot.parent.mkdir(exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "N_",
            "--no-location",
            "--sort-output",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def main() -> None:
    extract()
    fill: dict[str, str] = {}
    if len(sys.argv) == 3 and sys.argv[1] == "--fill":
        fill = json.loads(Path(sys.argv[2]).read_text("utf-8"))
    for lang in ("zh", "en"):
        path = LOCALES / lang / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="talent-portal")
        # A fresh template per catalog: update() shares message objects with its template.
        with (ROOT / "var" / "messages.pot").open("rb") as fh:
            catalog.update(read_po(fh), no_fuzzy_matching=True)
        if lang == "en":
            # English msgids are the English text; an empty msgstr falls back to them.
            for message in catalog:
                if message.id:
                    message.string = ""
        if lang == "zh":
            for message in catalog:
                if message.id and fill.get(str(message.id)):
                    message.string = fill[str(message.id)]
        with path.open("wb") as fh:
            write_po(fh, catalog, omit_header=False, sort_output=True, ignore_obsolete=True)
    sys.stdout.write("catalogs updated\n")


if __name__ == "__main__":
    main()
