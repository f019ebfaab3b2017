"""Where the fonts a PDF may use are: the SIL OFL font packages the service depends on, found
from the installed modules, so nothing is looked up on the host or downloaded at render time.

A CV is set in one of options.FONTS; text that family lacks (CJK, Arabic) falls back, in
`FALLBACK` order, to the bundled Noto families that have it."""

from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_sans_arabic
import fontpkg_noto_serif
import noto_cjk_sans_otc

FONT_DIRS: tuple[Path, ...] = (
    fontpkg_noto_sans.ROOT / "files",
    fontpkg_noto_serif.ROOT / "files",
    fontpkg_noto_sans_arabic.ROOT / "files",
    Path(str(noto_cjk_sans_otc.FONT_PATH)).parent,
)

# The collection holds one face per region, each with every ideograph; the Japanese one also
# draws kana as Japanese expects, and Chinese names read correctly in it.
CJK = "Noto Sans CJK JP"
ARABIC = "Noto Sans Arabic"
FALLBACK: tuple[str, ...] = (CJK, ARABIC)
# One of typst's own embedded fonts, for templates with monospace accents.
MONOSPACE = "DejaVu Sans Mono"
