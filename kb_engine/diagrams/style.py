"""How the views draw: fonts, the colour-blind-safe palette, shapes per node kind.

Colour is only ever a second cue: shapes, line styles and words carry the
meaning on their own (the Okabe-Ito palette keeps colours apart for the
common colour-vision deficiencies, and the tints keep black text legible).
"""

from __future__ import annotations

__all__ = ["FONT", "MONO", "OKABE_ITO", "TINT", "GREY", "GREY_TEXT", "GREY_FILL"]

# A CJK font first, so Japanese renders in PNG and PDF (Debian: fonts-noto-cjk); the
# rest are fallbacks for machines without it. Pango reads the comma-separated list.
FONT = "Noto Sans CJK JP,Noto Sans JP,IPAGothic,DejaVu Sans,sans-serif"
MONO = "Noto Sans Mono CJK JP,DejaVu Sans Mono,monospace"

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

# Each colour mixed 1:3 with white: fills that black text stays legible on.
TINT = {
    "orange": "#F9E7BF",
    "sky": "#D5ECF9",
    "green": "#BFE7DC",
    "yellow": "#FBF8D0",
    "vermillion": "#F5D6BF",
    "purple": "#F2DEE9",
}

GREY = "#9E9E9E"
GREY_TEXT = "#767676"
GREY_FILL = "#F2F2F2"
