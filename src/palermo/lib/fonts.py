"""The CJK font a PDF embeds, found on the machine (nothing is downloaded).

PDFs Palermo writes (reports, certificates) must show Chinese on any reader, so they embed a
font with Chinese glyphs (fpdf2 embeds only the glyphs used: a subset of a few tens of KB).
``cjk_font()`` returns the first of: ``PALERMO_PDF_FONT`` (a .ttf/.otf/.ttc file; a collection
may name its face ``path#index``), then the Noto Sans CJK and WenQuanYi files the usual Linux
packages install (Debian/Ubuntu ``fonts-noto-cjk``, ``fonts-wqy-zenhei``; Fedora
``google-noto-sans-cjk-fonts``), then macOS' and Windows' own Chinese fonts. In a collection
(.ttc) the Simplified Chinese face is chosen by its name. None found: a ``PalermoError`` saying
which package to install.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from palermo.errors import PalermoError

CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansSC-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
SIMPLIFIED = ("SC", "Zen Hei", "Micro Hei", "PingFang SC", "YaHei")


@dataclass(frozen=True, slots=True)
class FontFile:
    path: Path
    index: int = 0  # the face within a collection (.ttc)


def _simplified_face(path: Path) -> int:
    from fontTools.ttLib import TTCollection  # type: ignore[import-untyped]

    collection = TTCollection(str(path), lazy=True)
    try:
        names = [face["name"].getDebugName(1) or "" for face in collection.fonts]
    finally:
        collection.close()
    for marker in SIMPLIFIED:
        for index, name in enumerate(names):
            if marker in name and "Mono" not in name:
                return index
    return 0


def _font_file(path: Path, index: int | None) -> FontFile:
    if index is None and path.suffix.lower() == ".ttc":
        index = _simplified_face(path)
    return FontFile(path, index or 0)


@lru_cache(maxsize=1)
def cjk_font() -> FontFile:
    """The font file to embed for Chinese text (see the module's order)."""
    configured = os.environ.get("PALERMO_PDF_FONT", "").strip()
    if configured:
        name, _, face = configured.partition("#")
        path = Path(name)
        if not path.is_file():
            raise PalermoError(
                f"PALERMO_PDF_FONT: {path} is not a font file / "
                f"PALERMO_PDF_FONT：{path} 不是字体文件"
            )
        return _font_file(path, int(face) if face.isdigit() else None)
    for candidate in CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return _font_file(path, None)
    raise PalermoError(
        "no font with Chinese glyphs found for the PDF: install fonts-noto-cjk (Debian/Ubuntu) "
        "or set PALERMO_PDF_FONT to a .ttf/.otf/.ttc file / "
        "未找到可用于 PDF 的中文字体：请安装 fonts-noto-cjk（Debian/Ubuntu），"
        "或将 PALERMO_PDF_FONT 设为 .ttf/.otf/.ttc 字体文件"
    )
