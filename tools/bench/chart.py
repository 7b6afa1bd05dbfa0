"""`build/bench.png`: the targeted figures as bars against their targets, drawn with no imaging library (the
PNG writer of tools/make_images), so `make bench` needs nothing beyond the pinned dependencies."""

from __future__ import annotations

from tools.make_images import Canvas, Color

# 5x7 glyphs, '#' = ink: upper-case letters, digits and the punctuation the labels use.
FONT = {
    "A": ".###.|#...#|#...#|#####|#...#|#...#|#...#", "B": "####.|#...#|#...#|####.|#...#|#...#|####.",
    "C": ".####|#....|#....|#....|#....|#....|.####", "D": "####.|#...#|#...#|#...#|#...#|#...#|####.",
    "E": "#####|#....|#....|####.|#....|#....|#####", "F": "#####|#....|#....|####.|#....|#....|#....",
    "G": ".####|#....|#....|#.###|#...#|#...#|.###.", "H": "#...#|#...#|#...#|#####|#...#|#...#|#...#",
    "I": "#####|..#..|..#..|..#..|..#..|..#..|#####", "J": "..###|...#.|...#.|...#.|...#.|#..#.|.##..",
    "K": "#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#", "L": "#....|#....|#....|#....|#....|#....|#####",
    "M": "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#", "N": "#...#|##..#|#.#.#|#..##|#...#|#...#|#...#",
    "O": ".###.|#...#|#...#|#...#|#...#|#...#|.###.", "P": "####.|#...#|#...#|####.|#....|#....|#....",
    "Q": ".###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#", "R": "####.|#...#|#...#|####.|#.#..|#..#.|#...#",
    "S": ".####|#....|#....|.###.|....#|....#|####.", "T": "#####|..#..|..#..|..#..|..#..|..#..|..#..",
    "U": "#...#|#...#|#...#|#...#|#...#|#...#|.###.", "V": "#...#|#...#|#...#|#...#|.#.#.|.#.#.|..#..",
    "W": "#...#|#...#|#...#|#.#.#|#.#.#|##.##|#...#", "X": "#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#",
    "Y": "#...#|#...#|.#.#.|..#..|..#..|..#..|..#..", "Z": "#####|....#|...#.|..#..|.#...|#....|#####",
    "0": ".###.|#..##|#.#.#|#.#.#|##..#|#...#|.###.", "1": "..#..|.##..|..#..|..#..|..#..|..#..|.###.",
    "2": ".###.|#...#|....#|...#.|..#..|.#...|#####", "3": "####.|....#|....#|.###.|....#|....#|####.",
    "4": "...#.|..##.|.#.#.|#..#.|#####|...#.|...#.", "5": "#####|#....|####.|....#|....#|#...#|.###.",
    "6": ".###.|#....|#....|####.|#...#|#...#|.###.", "7": "#####|....#|...#.|..#..|..#..|..#..|..#..",
    "8": ".###.|#...#|#...#|.###.|#...#|#...#|.###.", "9": ".###.|#...#|#...#|.####|....#|....#|.###.",
    " ": ".....|.....|.....|.....|.....|.....|.....", ".": ".....|.....|.....|.....|.....|.##..|.##..",
    ",": ".....|.....|.....|.....|.##..|..#..|.#...", ":": ".....|.##..|.##..|.....|.##..|.##..|.....",
    "/": "....#|....#|...#.|..#..|.#...|#....|#....", "-": ".....|.....|.....|#####|.....|.....|.....",
    "_": ".....|.....|.....|.....|.....|.....|#####", "%": "##..#|##..#|...#.|..#..|.#...|#..##|#..##",
    "(": "...#.|..#..|.#...|.#...|.#...|..#..|...#.", ")": ".#...|..#..|...#.|...#.|...#.|..#..|.#...",
    "=": ".....|.....|#####|.....|#####|.....|.....", "<": "...#.|..#..|.#...|#....|.#...|..#..|...#.",
}
WHITE: Color = (255, 255, 255, 255)
INK: Color = (19, 38, 77, 255)
GOOD: Color = (0, 163, 173, 255)
OVER: Color = (214, 69, 65, 255)
TARGET: Color = (120, 120, 120, 255)
TRACK: Color = (230, 233, 238, 255)


def write_text(canvas: Canvas, x: int, y: int, text: str, color: Color = INK, scale: int = 2) -> None:
    for char in text.upper():
        rows = FONT.get(char, FONT[" "]).split("|")
        for row, line in enumerate(rows):
            for col, ink in enumerate(line):
                if ink == "#":
                    canvas.fill_rect(x + col * scale, y + row * scale, scale, scale, color)
        x += 6 * scale


def bar_chart(title: str, bars: list[tuple[str, float, float]], footer: str = "") -> bytes:
    """One horizontal bar per (label, value, target): the bar is the value as a share of its target (the grey
    line), teal within the target, red beyond it."""
    width, row_height, left, bar_width = 760, 64, 24, 560
    canvas = Canvas(width, 70 + row_height * len(bars) + 40, WHITE)
    write_text(canvas, left, 20, title, scale=3)
    scale_max = 1.5  # the axis reaches 150 % of each target
    for index, (label, value, target) in enumerate(bars):
        top = 70 + index * row_height
        write_text(canvas, left, top, f"{label}: {value:g} (target <= {target:g})")
        canvas.fill_rect(left, top + 22, bar_width, 18, TRACK)
        share = value / target if target else 0.0
        canvas.fill_rect(left, top + 22, round(bar_width * min(share, scale_max) / scale_max), 18,
                         GOOD if share <= 1 else OVER)
        target_x = left + round(bar_width / scale_max)
        canvas.fill_rect(target_x, top + 18, 2, 26, TARGET)
        write_text(canvas, left + bar_width + 12, top + 24, f"{share * 100:.0f}%")
    if footer:
        write_text(canvas, left, canvas.height - 26, footer, scale=2)
    return canvas.png()
