#!/usr/bin/python3
"""Render a tmux pane as a PNG "terminal screenshot" (used by scripts/screenshots.sh).

Inputs
  --raw FILE      every byte the program wrote to the pane, from its start (tmux pipe-pane -O)
  --capture FILE  the pane as tmux sees it (tmux capture-pane -e -p): text with colour escapes

Why both: `capture-pane` trims the end of each line, so the background colour that ncurses paints
with "erase to end of line" (title bar, DEMO banner, status bar, highlighted rows) is lost there.
The raw stream is replayed through pyte to get the full screen, and that screen is then checked cell
by cell against tmux's own capture (text everywhere, colours and attributes wherever the capture
reports them). If they disagree (the screen was still changing, or pyte misunderstood a sequence),
this script writes nothing and exits with status 3 so the caller can capture again.

Drawing: DejaVu Sans Mono 16 px (bold and oblique faces for bold and italic), with GNU Unifont as the
fallback for characters DejaVu lacks (CJK, Arabic, ...); wide characters span two cells. Box-drawing
lines and block elements are drawn as shapes so that they join across cells. Two palettes
(--palette): "dark" (the default: background #1e1e1e, foreground #d4d4d4, VS Code's 16 colours) and
"xterm-light" (plain xterm: black on white, xterm's own 16 colours from its XTerm-color app-defaults,
and bold text in colours 0-7 drawn in the bright colour, as xterm's default boldColors does). The PNG carries no
timestamp or other metadata, so the same screen always gives the same bytes.

Needs the Debian packages python3-pyte, python3-pil, fonts-dejavu-core and fonts-unifont; run it
with /usr/bin/python3 (a pyenv or venv python usually lacks pyte and PIL).
"""

import argparse
import os
import sys
import unicodedata

import pyte
from pyte import graphics as g
from PIL import Image, ImageDraw, ImageFont
from wcwidth import wcwidth

# ----------------------------------------------------------------------------------------------
# Look

DEFAULT_FG = "#d4d4d4"
DEFAULT_BG = "#1e1e1e"
# Dark-theme 16-colour palette (the one VS Code's terminal uses), indexed 0..15.
PALETTE = [
    "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
    "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
]
ANSI_NAMES = ["black", "red", "green", "brown", "blue", "magenta", "cyan", "white"]  # pyte's names
# xterm's 16 colours (color0..15 in /etc/X11/app-defaults/XTerm-color: black, red3, green3, yellow3, blue2,
# magenta3, cyan3, gray90, gray50, red, green, yellow, rgb:5c/5c/ff, magenta, cyan, white; rgb.txt values).
XTERM_PALETTE = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
]
NAMED = {}
BOLD_IS_BRIGHT = False


def use_palette(name):
    """Sets the default colours and the 16-colour palette: "dark" or "xterm-light"."""
    global DEFAULT_FG, DEFAULT_BG, BOLD_IS_BRIGHT
    colours = PALETTE
    if name == "xterm-light":
        DEFAULT_FG, DEFAULT_BG, BOLD_IS_BRIGHT, colours = "#000000", "#ffffff", True, XTERM_PALETTE
    for i, n in enumerate(ANSI_NAMES):
        NAMED[n] = colours[i]
        NAMED["bright" + n] = colours[i + 8]


use_palette("dark")

FONT_SIZE = 16
CELL_W, CELL_H = 10, 20
PADDING = 12

FONT_DIRS = [
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/opentype/unifont",
    "/usr/share/fonts/truetype/unifont",
    "/usr/share/fonts/unifont",
    "/usr/share/fonts/misc",
]


def find_font(*names):
    for d in FONT_DIRS:
        for n in names:
            p = os.path.join(d, n)
            if os.path.exists(p):
                return p
    return None


# ----------------------------------------------------------------------------------------------
# Terminal emulation: pyte plus the few sequences ncurses sends for xterm-256color that pyte 0.8
# does not know (REP, SU/SD) and a correct reading of bright (90-97, 100-107) and 256 colours.


class Screen(pyte.Screen):
    def __init__(self, columns, lines):
        super().__init__(columns, lines)
        self.last_char = None
        self.dim = False
        self.unknown = []

    def reset(self):
        super().reset()
        self.last_char = None
        self.dim = False

    def draw(self, data):
        # pyte has no "faint" attribute (SGR 2); it is carried in the foreground as "dim:<colour>".
        saved = self.cursor.attrs
        if self.dim:
            self.cursor.attrs = saved._replace(fg="dim:" + saved.fg)
        try:
            super().draw(data)
        finally:
            self.cursor.attrs = saved
        for ch in reversed(data):
            if wcwidth(ch) > 0:
                self.last_char = ch
                break

    def repeat_last(self, count=None, *args, **kwargs):
        """REP (CSI n b): repeat the last graphic character n times."""
        if self.last_char is not None:
            self.draw(self.last_char * max(count or 1, 1))

    # Erasing paints the current background colour only ("bce"), as xterm and tmux do; pyte would
    # also copy the foreground, bold, reverse and underline into the erased cells.
    def _blank(self):
        return self.default_char._replace(bg=self.cursor.attrs.bg)

    def _erase(self, y, xs):
        blank = self._blank()
        line = self.buffer[y]
        for x in xs:
            line[x] = blank
        self.dirty.add(y)

    def erase_characters(self, count=None, *args, **kwargs):
        x = self.cursor.x
        self._erase(self.cursor.y, range(x, min(x + max(count or 1, 1), self.columns)))

    def erase_in_line(self, how=0, private=False, *args, **kwargs):
        x = self.cursor.x
        xs = {0: range(x, self.columns), 1: range(min(x + 1, self.columns)),
              2: range(self.columns)}.get(how, ())
        self._erase(self.cursor.y, xs)

    def erase_in_display(self, how=0, private=False, *args, **kwargs):
        y = self.cursor.y
        rows = {0: range(y + 1, self.lines), 1: range(y), 2: range(self.lines),
                3: range(self.lines)}.get(how, ())
        for row in rows:
            self._erase(row, range(self.columns))
        if how in (0, 1):
            self.erase_in_line(how)

    # Inserting and deleting characters or lines also brings in blanks of the current background
    # (tmux does this; pyte brings in default blanks).
    def insert_characters(self, count=None, *args, **kwargs):
        n, x0, line, blank = max(count or 1, 1), self.cursor.x, self.buffer[self.cursor.y], self._blank()
        for x in range(self.columns - 1, x0 - 1, -1):
            line[x] = line[x - n] if x - n >= x0 else blank
        self.dirty.add(self.cursor.y)

    def delete_characters(self, count=None, *args, **kwargs):
        n, x0, line, blank = max(count or 1, 1), self.cursor.x, self.buffer[self.cursor.y], self._blank()
        for x in range(x0, self.columns):
            line[x] = line[x + n] if x + n < self.columns else blank
        self.dirty.add(self.cursor.y)

    def insert_lines(self, count=None, *args, **kwargs):
        top, bottom = self.margins or (0, self.lines - 1)
        if top <= self.cursor.y <= bottom:
            self._scroll(count, False, top=self.cursor.y)
            self.carriage_return()

    def delete_lines(self, count=None, *args, **kwargs):
        top, bottom = self.margins or (0, self.lines - 1)
        if top <= self.cursor.y <= bottom:
            self._scroll(count, True, top=self.cursor.y)
            self.carriage_return()

    def index(self):
        top, bottom = self.margins or (0, self.lines - 1)
        if self.cursor.y == bottom:
            self._scroll(1, True)
        else:
            self.cursor_down()

    def reverse_index(self):
        top, bottom = self.margins or (0, self.lines - 1)
        if self.cursor.y == top:
            self._scroll(1, False)
        else:
            self.cursor_up()

    def _scroll(self, count, up, top=None):
        """Moves the rows from top (default: the top margin) to the bottom margin up or down."""
        margin_top, bottom = self.margins or (0, self.lines - 1)
        top = margin_top if top is None else top
        n = max(count or 1, 1)
        old = [self.buffer[y] for y in range(top, bottom + 1)]
        blank = self._blank()
        height = bottom - top + 1
        for i in range(height):
            src = i + n if up else i - n
            if 0 <= src < height:
                self.buffer[top + i] = old[src]
            else:
                self.buffer[top + i] = pyte.screens.StaticDefaultDict(blank)
        self.dirty.update(range(top, bottom + 1))

    def scroll_up(self, count=None, *args, **kwargs):
        """SU (CSI n S)."""
        self._scroll(count, True)

    def scroll_down(self, count=None, *args, **kwargs):
        """SD (CSI n T)."""
        self._scroll(count, False)

    def select_graphic_rendition(self, *attrs, **kwargs):
        attrs = list(attrs)
        if not attrs:
            attrs = [0]
        plain = []
        i = 0
        while i < len(attrs):
            a = attrs[i]
            if a in (38, 48):
                key = "fg" if a == 38 else "bg"
                if i + 2 < len(attrs) and attrs[i + 1] == 5:
                    n = attrs[i + 2]
                    self._flush_sgr(plain)
                    plain = []
                    colour = colour_name(n) if n < 16 else g.FG_BG_256[n % 256]
                    self.cursor.attrs = self.cursor.attrs._replace(**{key: colour})
                    i += 3
                    continue
                if i + 4 < len(attrs) and attrs[i + 1] == 2:
                    self._flush_sgr(plain)
                    plain = []
                    r, gg, b = (min(v, 255) for v in attrs[i + 2:i + 5])
                    self.cursor.attrs = self.cursor.attrs._replace(
                        **{key: "{:02x}{:02x}{:02x}".format(r, gg, b)})
                    i += 5
                    continue
                i += 1
                continue
            if a in (0, 22):
                self.dim = False
                plain.append(a)
            elif a == 2:
                self.dim = True
            elif 90 <= a <= 97 or 100 <= a <= 107:
                self._flush_sgr(plain)
                plain = []
                key = "fg" if a < 100 else "bg"
                name = "bright" + ANSI_NAMES[(a - 90) % 10]
                self.cursor.attrs = self.cursor.attrs._replace(**{key: name})
            else:
                plain.append(a)
            i += 1
        self._flush_sgr(plain)

    def _flush_sgr(self, plain):
        if plain:
            super().select_graphic_rendition(*plain)

    def debug(self, *args, **kwargs):
        self.unknown.append((args, kwargs))


def colour_name(n):
    return ANSI_NAMES[n] if n < 8 else "bright" + ANSI_NAMES[n - 8]


class Stream(pyte.ByteStream):
    csi = dict(pyte.ByteStream.csi, b="repeat_last", S="scroll_up", T="scroll_down")
    events = pyte.ByteStream.events | {"repeat_last", "scroll_up", "scroll_down"}


def replay_raw(data, cols, rows):
    screen = Screen(cols, rows)
    stream = Stream(screen)
    stream.feed(data)
    return screen


def replay_capture(text, cols, rows):
    """Rebuild tmux's capture-pane -e output on a screen; return it and how far each line reached."""
    screen = Screen(cols, rows)
    stream = Stream(screen)
    lines = text.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    extents = []
    for y in range(rows):
        stream.feed(b"\x1b[%d;1H" % (y + 1))
        if y < len(lines):
            stream.feed(lines[y])
        extents.append(screen.cursor.x if y < len(lines) else 0)
    return screen, extents


ATTRS = ("fg", "bg", "bold", "italics", "underscore", "reverse", "strikethrough")


def differences(full, captured, extents, cols, rows):
    """Cells where the replayed stream and tmux's capture disagree (text anywhere; attributes
    where the capture reached)."""
    out = []
    for y in range(rows):
        a_row, b_row = full.buffer[y], captured.buffer[y]
        for x in range(cols):
            a, b = a_row[x], b_row[x]
            if a.data != b.data:
                out.append("row %d col %d: text %r (stream) vs %r (tmux)" % (y + 1, x + 1, a.data, b.data))
            elif x < extents[y]:
                for k in ATTRS:
                    if getattr(a, k) != getattr(b, k):
                        out.append("row %d col %d %r: %s %r (stream) vs %r (tmux)"
                                   % (y + 1, x + 1, a.data, k, getattr(a, k), getattr(b, k)))
    return out


# ----------------------------------------------------------------------------------------------
# Drawing


def rgb(colour, default):
    if colour.startswith("dim:"):
        full = rgb(colour[4:], default)
        back = rgb("default", DEFAULT_BG)
        return tuple(round(0.6 * f + 0.4 * b) for f, b in zip(full, back))
    if colour == "default":
        colour = default
    elif colour in NAMED:
        colour = NAMED[colour]
    elif not colour.startswith("#"):
        colour = "#" + colour
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


class Fonts:
    def __init__(self):
        def load(*names, required=False):
            p = find_font(*names)
            if p is None:
                if required:
                    sys.exit("render_screenshot: font %s not found (install fonts-dejavu-core)" % names[0])
                return None
            return ImageFont.truetype(p, FONT_SIZE)

        self.regular = load("DejaVuSansMono.ttf", required=True)
        self.bold = load("DejaVuSansMono-Bold.ttf") or self.regular
        self.italic = load("DejaVuSansMono-Oblique.ttf") or self.regular
        self.bold_italic = load("DejaVuSansMono-BoldOblique.ttf") or self.bold
        self.fallbacks = [f for f in (load("unifont.otf", "unifont.ttf"),
                                      load("unifont_upper.otf", "unifont_upper.ttf")) if f]
        if not self.fallbacks:
            print("render_screenshot: Unifont not found (fonts-unifont); CJK and Arabic will show as boxes",
                  file=sys.stderr)
        ascent, descent = self.regular.getmetrics()
        self.baseline = (CELL_H - (ascent + descent)) // 2 + ascent
        self._missing_box = {}
        self._has = {}

    def _ink(self, font, text):
        im = Image.new("L", (4 * CELL_W, 2 * CELL_H))
        ImageDraw.Draw(im).text((CELL_W, CELL_H + 4), text, font=font, fill=255, anchor="ls")
        return im.tobytes()

    def has(self, font, text):
        key = (id(font), text)
        if key not in self._has:
            if id(font) not in self._missing_box:
                self._missing_box[id(font)] = self._ink(font, "\U000FFFFD")  # renders as .notdef
            ink = self._ink(font, text)
            self._has[key] = ink != self._missing_box[id(font)]
        return self._has[key]

    def pick(self, text, bold, italic):
        face = {(False, False): self.regular, (True, False): self.bold,
                (False, True): self.italic, (True, True): self.bold_italic}[(bold, italic)]
        for f in [face, self.regular] + self.fallbacks:
            if self.has(f, text):
                return f
        return self.regular


def draw_shape(d, ch, x, y, w, fg):
    """Box-drawing lines and block elements drawn as shapes so they join up. True if handled."""
    cx, cy = x + w // 2, y + CELL_H // 2
    light = {"─": "lr", "│": "ud", "┌": "rd", "┐": "ld", "└": "ru", "┘": "lu", "├": "udr",
             "┤": "udl", "┬": "lrd", "┴": "lru", "┼": "udlr", "╭": "rd", "╮": "ld", "╰": "ru",
             "╯": "lu", "╴": "l", "╵": "u", "╶": "r", "╷": "d"}
    heavy = {"━": "lr", "┃": "ud", "┏": "rd", "┓": "ld", "┗": "ru", "┛": "lu", "┣": "udr",
             "┫": "udl", "┳": "lrd", "┻": "lru", "╋": "udlr"}
    if ch in light or ch in heavy:
        t = 1 if ch in light else 3
        arms = (light.get(ch) or heavy.get(ch))
        o = t // 2
        if "l" in arms:
            d.rectangle([x, cy - o, cx + o, cy - o + t - 1], fill=fg)
        if "r" in arms:
            d.rectangle([cx - o, cy - o, x + w - 1, cy - o + t - 1], fill=fg)
        if "u" in arms:
            d.rectangle([cx - o, y, cx - o + t - 1, cy + o], fill=fg)
        if "d" in arms:
            d.rectangle([cx - o, cy - o, cx - o + t - 1, y + CELL_H - 1], fill=fg)
        return True
    blocks = {"█": (0, 0, 8, 8), "▀": (0, 0, 8, 4), "▄": (0, 4, 8, 8), "▌": (0, 0, 4, 8),
              "▐": (4, 0, 8, 8)}
    if ch in blocks:
        l, t, r, b = blocks[ch]
        d.rectangle([x + w * l // 8, y + CELL_H * t // 8,
                     x + w * r // 8 - 1, y + CELL_H * b // 8 - 1], fill=fg)
        return True
    return False


def render(screen, cols, rows, out_path, fonts):
    width, height = cols * CELL_W + 2 * PADDING, rows * CELL_H + 2 * PADDING
    img = Image.new("RGB", (width, height), rgb("default", DEFAULT_BG))
    d = ImageDraw.Draw(img)

    cells = []
    for y in range(rows):
        row = screen.buffer[y]
        for x in range(cols):
            c = row[x]
            fg_name = c.fg
            if BOLD_IS_BRIGHT and c.bold and fg_name in ANSI_NAMES:
                fg_name = "bright" + fg_name
            fg, bg = rgb(fg_name, DEFAULT_FG), rgb(c.bg, DEFAULT_BG)
            if c.reverse:
                fg, bg = bg, fg
            px, py = PADDING + x * CELL_W, PADDING + y * CELL_H
            d.rectangle([px, py, px + CELL_W - 1, py + CELL_H - 1], fill=bg)
            cells.append((x, y, c, fg, px, py))
    # Glyphs after all backgrounds, so a glyph that overhangs its cell is not painted over.
    for x, y, c, fg, px, py in cells:
        text = c.data
        if text == "":  # right half of a wide character
            continue
        span = 2 if (text and wcwidth(text[0]) == 2) else 1
        w = span * CELL_W
        if text.strip() and not draw_shape(d, text, px, py, w, fg):
            font = fonts.pick(text, c.bold, c.italics)
            adv = font.getlength(text)
            tx = px + (w - adv) / 2
            d.text((tx, py + fonts.baseline), text, font=font, fill=fg, anchor="ls")
        if c.underscore:
            uy = py + fonts.baseline + 2
            d.line([px, uy, px + w - 1, uy], fill=fg)
        if c.strikethrough:
            sy = py + CELL_H // 2
            d.line([px, sy, px + w - 1, sy], fill=fg)
    img.save(out_path, format="PNG", optimize=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw", required=True, help="pane output stream (tmux pipe-pane -O)")
    ap.add_argument("--capture", help="tmux capture-pane -e -p output, to check the replay against")
    ap.add_argument("--cols", type=int, default=80)
    ap.add_argument("--rows", type=int, default=24)
    ap.add_argument("--text", help="also write the screen's plain text here")
    ap.add_argument("--palette", choices=["dark", "xterm-light"], default="dark",
                    help="terminal colours: dark (default) or xterm-light (plain xterm, black on white)")
    ap.add_argument("-o", "--output", required=True, help="PNG to write")
    args = ap.parse_args()
    use_palette(args.palette)

    with open(args.raw, "rb") as f:
        screen = replay_raw(f.read(), args.cols, args.rows)

    if args.capture:
        with open(args.capture, "rb") as f:
            captured, extents = replay_capture(f.read(), args.cols, args.rows)
        diff = differences(screen, captured, extents, args.cols, args.rows)
        if diff:
            print("render_screenshot: replayed screen differs from tmux's capture in %d cells:" % len(diff),
                  file=sys.stderr)
            for line in diff[:10]:
                print("  " + line, file=sys.stderr)
            sys.exit(3)

    if args.text:
        with open(args.text, "w", encoding="utf-8") as f:
            for y in range(args.rows):
                f.write("".join(screen.buffer[y][x].data for x in range(args.cols)).rstrip() + "\n")

    render(screen, args.cols, args.rows, args.output, Fonts())


if __name__ == "__main__":
    main()
