"""Regenerate the indicator pictures in ``pictures/`` next to this script.

Each indicator (a ``scale`` item in ``theory_of_change.toml``) gets one square, text-free
512x512 PNG named ``<indicator id>.png``: a frame in the colour of its main goal
(Okabe-Ito palette, colour-blind safe) around a light panel with one to five OpenMoji
emoji composed on it.

The emoji come from OpenMoji (https://openmoji.org, CC BY-SA 4.0), so the pictures are
CC BY-SA 4.0 too (see ``LICENCES.md``). Only the resulting PNGs are committed; the OpenMoji
SVGs are read from a local copy of the npm package.

Usage (from the repository root)::

    .venv/bin/pip install cairosvg        # SVG renderer, only needed here
    .venv/bin/python bot/packs/den-haag-zuidwest/make_pictures.py [--openmoji DIR]

``DIR`` is an extracted ``openmoji`` npm package (the folder holding ``color/svg``), or set
``OPENMOJI_DIR``. Without either, the script runs ``npm pack openmoji@17.0.0`` in a temporary
folder and extracts it there. ``--only ID,ID`` redraws those indicators and leaves the other
PNGs untouched (a renderer of another version may change their bytes). Look at every new
picture, and test it with fresh readers as ``docs/pictures.md`` describes.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
PICTURES = HERE / "pictures"
OPENMOJI_VERSION = "17.0.0"

SIZE = 512
FRAME = 30  # width of the coloured frame
RADIUS = 64  # corner radius of the inner panel
MAX_BYTES = 60_000

#: Okabe-Ito colours per main goal (frame) and a light tint of each (panel).
GOAL_COLOURS: dict[str, str] = {
    "cohesion": "#E69F00",  # orange
    "livability": "#009E73",  # bluish green
    "resilience": "#56B4E9",  # sky blue
    "participation": "#CC79A7",  # reddish purple
    "trust": "#0072B2",  # blue
}
PANEL_TINT = 0.86  # share of white in the panel colour

# Skin-tone modifiers, to show a mixed neighbourhood.
_T = ["1F3FB", "1F3FD", "1F3FF", "1F3FC", "1F3FE"]

#: Indicator id -> list of (OpenMoji hexcode, centre x, centre y, size) in 512px coordinates.
#: The first entry is drawn first (underneath).
LAYOUTS: dict[str, list[tuple[str, int, int, int]]] = {
    # --- Sociale cohesie -------------------------------------------------------------------
    "ind.cohesion.contacts": [  # two people talking
        (f"1F9D1-{_T[1]}", 175, 300, 250),
        (f"1F9D1-{_T[2]}", 340, 300, 250),
        ("1F4AC", 175, 140, 150),
        ("1F4AC", 345, 140, 150),
    ],
    "ind.cohesion.less_lonely": [  # alone (grey silhouette) -> with others, over coffee and a chat
        ("1F464", 80, 270, 170),
        ("27A1", 178, 270, 100),
        (f"1F9D1-{_T[0]}", 280, 255, 170),
        (f"1F469-{_T[2]}", 432, 255, 170),
        (f"1F9D3-{_T[3]}", 356, 270, 170),
        ("2615", 300, 370, 110),
        ("2615", 415, 370, 110),
        ("1F4AC", 356, 120, 140),
    ],
    "ind.cohesion.connected": [  # a person linked to the neighbourhood
        (f"1F9D1-{_T[2]}", 125, 290, 270),
        ("1F517", 256, 280, 170),
        ("1F3D8", 390, 270, 280),
    ],
    "ind.cohesion.community": [  # a circle of different faces around a heart
        ("2764", 256, 256, 170),
        (f"1F9D1-{_T[0]}", 256, 112, 165),
        (f"1F469-{_T[2]}", 393, 212, 165),
        (f"1F9D3-{_T[1]}", 341, 374, 165),
        (f"1F467-{_T[4]}", 171, 374, 165),
        (f"1F468-{_T[3]}", 119, 212, 165),
    ],
    # --- Leefbaarheid en veiligheid ---------------------------------------------------------
    "ind.livability.activities": [  # painting, cooking, games, music
        ("1F3A8", 160, 160, 190),
        ("1F958", 352, 160, 190),
        ("1F3B2", 160, 352, 190),
        ("1F3B6", 352, 352, 190),
    ],
    "ind.livability.improve": [  # sweeping and planting in the street
        ("1F3D8", 256, 150, 260),
        ("1F9F9", 150, 350, 240),
        ("1F33B", 300, 350, 200),
        ("1F331", 405, 370, 170),
    ],
    "ind.livability.trust_others": [  # neighbours: one gives the other the house key
        ("1F3E0", 135, 145, 190),
        ("1F3E0", 377, 145, 190),
        (f"1F9D1-{_T[1]}", 130, 350, 230),
        (f"1F9D3-{_T[4]}", 382, 350, 230),
        ("1F511", 256, 330, 130),
    ],
    "ind.livability.at_home": [  # house with garden and a heart
        ("1F3E1", 256, 290, 360),
        ("2764", 370, 130, 150),
    ],
    "ind.livability.safe": [  # shield in front of the houses
        ("1F3D8", 210, 200, 300),
        ("1F6E1", 340, 330, 240),
    ],
    # --- Sociale veerkracht -----------------------------------------------------------------
    "ind.resilience.understand": [  # reading a letter with a magnifying glass: now it is clear
        (f"1F9D1-{_T[3]}", 145, 320, 290),
        ("1F4C4", 350, 255, 260),
        ("1F50D", 400, 310, 170),
        ("2705", 410, 100, 120),
    ],
    "ind.resilience.ask_help": [  # raising a hand to ask
        (f"1F64B-{_T[2]}", 230, 290, 350),
        ("2753", 380, 120, 150),
    ],
    "ind.resilience.skills": [  # speaking, books and paperwork
        ("1F5E3", 175, 320, 300),
        ("1F4DA", 350, 165, 220),
        ("1F4DD", 370, 345, 210),
    ],
    "ind.resilience.valued": [  # happy face with stars
        ("1F604", 256, 280, 330),
        ("1F31F", 120, 120, 150),
        ("1F31F", 392, 120, 150),
    ],
    # --- Maatschappelijke participatie ------------------------------------------------------
    "ind.participation.help_out": [  # "I'll help": a raised hand, chairs set out, the activities
        ("1F3A8", 115, 120, 140),
        ("1F3B2", 256, 105, 140),
        ("1F3B6", 397, 120, 140),
        (f"1F64B-{_T[1]}", 165, 345, 260),
        ("1FA91", 330, 370, 150),
        ("1FA91", 430, 370, 150),
    ],
    "ind.participation.support_others": [  # carrying the shopping for an older neighbour
        ("1F3E0", 385, 150, 220),
        (f"1F9D1-{_T[2]}", 140, 320, 270),
        ("1F6CD", 250, 385, 140),
        (f"1F9D3-{_T[0]}", 385, 350, 220),
    ],
    "ind.participation.develop": [  # seedling, herb, tree: growing
        ("1F331", 115, 350, 170),
        ("1F33F", 230, 310, 230),
        ("1F333", 360, 245, 270),
    ],
    "ind.participation.place": [  # a row of different people; one of them is me (pin): my place
        (f"1F9D1-{_T[0]}", 85, 340, 165),
        (f"1F469-{_T[3]}", 170, 340, 165),
        (f"1F9D1-{_T[2]}", 256, 325, 200),
        (f"1F9D3-{_T[1]}", 342, 340, 165),
        (f"1F468-{_T[4]}", 427, 340, 165),
        ("1F4CD", 256, 150, 150),
    ],
    # --- Vertrouwen in overheid en maatschappelijke organisaties ----------------------------
    "ind.trust.discuss": [  # a question over coffee
        (f"1F9D1-{_T[3]}", 195, 310, 320),
        ("1F4AC", 370, 140, 220),
        ("2753", 370, 128, 110),
        ("2615", 385, 360, 170),
    ],
    "ind.trust.seen_heard": [  # eyes and ear
        ("1F440", 256, 170, 300),
        (f"1F442-{_T[2]}", 256, 370, 230),
    ],
    "ind.trust.supported": [  # a lifebuoy holds a person up
        ("1F6DF", 256, 256, 400),
        ("1F642", 256, 256, 150),
    ],
    "ind.trust.organisations": [  # the resident in contact with someone at an office
        ("1F3E2", 400, 150, 210),
        (f"1F9D1-{_T[0]}", 110, 330, 230),
        ("2194", 256, 330, 130),
        (f"1F9D1-{_T[3]}-200D-1F4BC", 400, 340, 230),
        ("1F4AC", 150, 130, 140),
    ],
    "ind.trust.have_say": [  # residents speak up about their neighbourhood
        ("1F3D8", 256, 135, 250),
        ("1F5E8", 105, 230, 130),
        ("1F4AC", 407, 230, 130),
        (f"1F64B-{_T[1]}", 110, 380, 190),
        (f"1F9D1-{_T[4]}", 256, 390, 180),
        (f"1F9D3-{_T[0]}", 402, 390, 180),
    ],
}


def _indicators() -> list[tuple[str, str, str]]:
    """(id, main goal, picture file) of every indicator in ``theory_of_change.toml``."""
    with (HERE / "theory_of_change.toml").open("rb") as fh:
        toc = tomllib.load(fh)
    return [(i["id"], i["main_goal"], i["picture"]) for i in toc.get("indicator", [])]


def _openmoji_dir(explicit: str | None, tmp: Path) -> Path:
    for candidate in (explicit, os.environ.get("OPENMOJI_DIR")):
        if candidate:
            path = Path(candidate)
            if (path / "color" / "svg").is_dir():
                return path
            if (path / "package" / "color" / "svg").is_dir():
                return path / "package"
            sys.exit(f"{path}: no color/svg folder: not an extracted openmoji package")
    print(f"fetching openmoji@{OPENMOJI_VERSION} with npm pack ...", file=sys.stderr)
    out = subprocess.run(
        ["npm", "pack", f"openmoji@{OPENMOJI_VERSION}", "--silent"],
        cwd=tmp, check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    with tarfile.open(tmp / out) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("package/color/svg/")]
        tar.extractall(tmp, members=members, filter="data")
    return tmp / "package"


def _render(svg: Path, size: int) -> Image.Image:
    try:
        import cairosvg  # noqa: PLC0415 - a developer tool, not a dependency of the bot
    except ImportError:  # pragma: no cover - developer tool
        sys.exit("cairosvg is needed to render the OpenMoji SVGs: .venv/bin/pip install cairosvg")
    png = cairosvg.svg2png(url=str(svg), output_width=size, output_height=size)
    return Image.open(io.BytesIO(png)).convert("RGBA")


def _hex(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def make_picture(indicator: str, main_goal: str, openmoji: Path) -> Image.Image:
    """Compose the picture of one indicator."""
    frame = _hex(GOAL_COLOURS[main_goal])
    panel = tuple(round(c + (255 - c) * PANEL_TINT) for c in frame)
    img = Image.new("RGBA", (SIZE, SIZE), frame + (255,))
    ImageDraw.Draw(img).rounded_rectangle(
        (FRAME, FRAME, SIZE - 1 - FRAME, SIZE - 1 - FRAME), radius=RADIUS, fill=panel + (255,)
    )
    for hexcode, cx, cy, size in LAYOUTS[indicator]:
        svg = openmoji / "color" / "svg" / f"{hexcode}.svg"
        if not svg.is_file():
            raise FileNotFoundError(f"{indicator}: OpenMoji {hexcode} not found in {svg.parent}")
        glyph = _render(svg, size)
        img.alpha_composite(glyph, (cx - size // 2, cy - size // 2))
    return img.convert("RGB")


def save_small(img: Image.Image, path: Path) -> int:
    """Save as an optimised palette PNG, fewer colours until it is under MAX_BYTES."""
    for colours in (256, 128, 64, 32):
        buf = io.BytesIO()
        small = img.quantize(
            colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        small.save(buf, "PNG", optimize=True)
        if buf.tell() <= MAX_BYTES:
            break
    path.write_bytes(buf.getvalue())
    return buf.tell()


def main(argv: list[str] | None = None) -> int:
    """Regenerate every indicator pictogram; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--openmoji", help="extracted openmoji npm package (holds color/svg)")
    parser.add_argument("--out", default=str(PICTURES), help="output folder")
    parser.add_argument("--only", default="", help="comma-separated indicator ids to redraw (default: all)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    indicators = _indicators()
    only = {i for i in args.only.split(",") if i}
    if only - {i for i, _, _ in indicators}:
        sys.exit(f"unknown indicator(s): {', '.join(sorted(only - {i for i, _, _ in indicators}))}")
    missing = [i for i, _, _ in indicators if i not in LAYOUTS]
    if missing:
        sys.exit(f"no picture layout for: {', '.join(missing)}")
    with tempfile.TemporaryDirectory() as tmp:
        openmoji = _openmoji_dir(args.openmoji, Path(tmp))
        for indicator, main_goal, picture in indicators:
            if only and indicator not in only:
                continue
            size = save_small(make_picture(indicator, main_goal, openmoji), out / picture)
            print(f"{picture}: {size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
