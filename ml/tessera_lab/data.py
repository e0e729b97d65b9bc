"""Shapes world: deterministic procedural scenes (1-2 anti-aliased objects) and varied captions.

A scene is a plain dict so it can be captioned, perturbed (one attribute changed) and judged.
Rendering draws at 4x resolution with PIL and box-downsamples, which gives anti-aliased edges.
"""
import random

import numpy as np
from PIL import Image, ImageDraw

from .config import IMAGE_SIZE

SHAPES = ["circle", "square", "triangle", "star", "heart", "diamond", "cross", "ring"]
COLOURS = {
    "red": (220, 40, 40), "orange": (245, 140, 20), "yellow": (240, 220, 40), "green": (50, 170, 60),
    "cyan": (40, 200, 210), "blue": (40, 70, 220), "purple": (140, 60, 200), "pink": (245, 130, 190),
    "white": (245, 245, 245), "brown": (130, 80, 40),
}
COLOUR_NAMES = list(COLOURS)
BACKGROUNDS = {"grey": (128, 128, 128), "navy": (30, 35, 60), "sand": (200, 185, 150)}
SIZES = {"small": 5.5, "large": 9.5}  # radius in 64-px units; a large object still fits its 21-px cell
ROWS, COLS = ["top", "middle", "bottom"], ["left", "center", "right"]
RELATIONS = ["left of", "right of", "above", "below"]
# ~10% of (shape, colour) pairs never appear in training: one colour per shape, all colours different.
HELDOUT = {(s, COLOUR_NAMES[(3 * i + 1) % 10]) for i, s in enumerate(SHAPES)}

SHAPE_SYN = {"circle": ["circle", "disc"], "square": ["square"], "triangle": ["triangle"], "star": ["star"],
             "heart": ["heart"], "diamond": ["diamond", "rhombus"], "cross": ["cross", "plus"],
             "ring": ["ring", "donut"]}
COLOUR_SYN = {c: [c] for c in COLOURS} | {"purple": ["purple", "violet"], "grey": ["grey", "gray"], "navy": ["navy", "dark"],
                                          "sand": ["sand", "beige"]}
SIZE_SYN = {"small": ["small", "little", "tiny"], "large": ["large", "big", "huge"]}
REL_SYN = {"left of": ["to the left of", "left of"], "right of": ["to the right of", "right of"],
           "above": ["above", "over"], "below": ["below", "under", "beneath"]}
ROW_SYN = {"top": ["top", "upper"], "middle": ["middle", "center"], "bottom": ["bottom", "lower"]}
COL_SYN = {"left": ["left"], "center": ["center", "middle"], "right": ["right"]}


def cell_center(cell: int) -> tuple[float, float]:
    r, c = divmod(cell, 3)
    step = IMAGE_SIZE / 3
    return (c + 0.5) * step, (r + 0.5) * step  # (x, y)


def shape_polygon(shape: str, cx: float, cy: float, r: float) -> list[tuple[float, float]] | None:
    """Vertices for polygonal shapes (None for circle/ring which are ellipses)."""
    if shape == "square":
        h = 0.8 * r
        pts = [(-h, -h), (h, -h), (h, h), (-h, h)]
    elif shape == "triangle":
        pts = [(r * np.cos(a), r * np.sin(a) + 0.15 * r) for a in np.radians([-90, 30, 150])]
    elif shape == "star":
        pts = [((r if k % 2 == 0 else 0.45 * r) * np.cos(np.radians(-90 + 36 * k)),
                (r if k % 2 == 0 else 0.45 * r) * np.sin(np.radians(-90 + 36 * k))) for k in range(10)]
    elif shape == "heart":
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        x = 16 * np.sin(t) ** 3
        y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        pts = list(zip(x * r / 16.5, (y + 2.5) * r / 16.5))
    elif shape == "diamond":
        pts = [(0, -r), (0.7 * r, 0), (0, r), (-0.7 * r, 0)]
    elif shape == "cross":
        a, w = r * 0.95, r * 0.32
        pts = [(-w, -a), (w, -a), (w, -w), (a, -w), (a, w), (w, w), (w, a), (-w, a), (-w, w), (-a, w), (-a, -w),
               (-w, -w)]
    else:
        return None
    return [(cx + x, cy + y) for x, y in pts]


def draw_object(draw: ImageDraw.ImageDraw, obj: dict, fill, bg, scale: int) -> None:
    cx, cy = cell_center(obj["cell"])
    cx, cy, r = cx * scale, cy * scale, SIZES[obj["size"]] * scale
    if obj["shape"] in ("circle", "ring"):
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
        if obj["shape"] == "ring":
            ri = 0.55 * r
            draw.ellipse([cx - ri, cy - ri, cx + ri, cy + ri], fill=bg)
    else:
        draw.polygon(shape_polygon(obj["shape"], cx, cy, r), fill=fill)


def render(scene: dict, size: int = IMAGE_SIZE, ss: int = 4) -> np.ndarray:
    """Scene -> uint8 (size, size, 3), anti-aliased by 4x supersampling."""
    bg = BACKGROUNDS[scene["bg"]]
    img = Image.new("RGB", (size * ss, size * ss), bg)
    d = ImageDraw.Draw(img)
    for obj in scene["objects"]:
        draw_object(d, obj, COLOURS[obj["colour"]], bg, ss * size // IMAGE_SIZE)
    return np.asarray(img.resize((size, size), Image.BOX))


def render_mask(shape: str, size: str, cell: int) -> np.ndarray:
    """Float coverage mask (64, 64) of one object, used by the judge's templates."""
    img = Image.new("L", (IMAGE_SIZE * 4, IMAGE_SIZE * 4), 0)
    draw_object(ImageDraw.Draw(img), {"shape": shape, "size": size, "cell": cell}, 255, 0, 4)
    return np.asarray(img.resize((IMAGE_SIZE, IMAGE_SIZE), Image.BOX), dtype=np.float32) / 255.0


def relation_of(a: int, b: int, rng: random.Random) -> str:
    """A relation that holds between cells a and b (a is the subject)."""
    (ra, ca), (rb, cb) = divmod(a, 3), divmod(b, 3)
    options = []
    if ca != cb:
        options.append("left of" if ca < cb else "right of")
    if ra != rb:
        options.append("above" if ra < rb else "below")
    return rng.choice(options)


def relation_holds(rel: str, a_xy, b_xy, margin: float = 4.0) -> bool:
    (ax, ay), (bx, by) = a_xy, b_xy
    return {"left of": ax < bx - margin, "right of": ax > bx + margin,
            "above": ay < by - margin, "below": ay > by + margin}[rel]


def random_object(rng: random.Random, split: str, cell: int, avoid_colour: str | None = None) -> dict:
    while True:
        shape, colour = rng.choice(SHAPES), rng.choice(COLOUR_NAMES)
        if colour == avoid_colour:
            continue
        if split == "any" or ((shape, colour) in HELDOUT) == (split == "heldout"):
            return {"shape": shape, "colour": colour, "size": rng.choice(["small", "large"]), "cell": cell}


def random_scene(rng: random.Random, split: str = "train", n_objects: int | None = None) -> dict:
    """split: 'train' (never a held-out pair), 'heldout' (single object of a held-out pair), 'any'."""
    n = n_objects or (1 if rng.random() < 0.6 else 2)
    bg = rng.choice(list(BACKGROUNDS))
    cells = rng.sample(range(9), n)
    first = random_object(rng, "heldout" if split == "heldout" else ("any" if split == "any" else "seen"), cells[0])
    scene = {"bg": bg, "objects": [first]}
    if n == 2:  # two objects always have different colours so the judge can separate them
        scene["objects"].append(random_object(rng, "any" if split == "any" else "seen", cells[1], first["colour"]))
        scene["relation"] = relation_of(cells[0], cells[1], rng)
    return scene


def position_phrase(cell: int, rng: random.Random) -> str:
    r, c = divmod(cell, 3)
    row, col = ROWS[r], COLS[c]
    if cell == 4:
        return rng.choice(["center", "middle", "centre"])
    if row == "middle":
        return rng.choice([col, f"middle {col}", f"center {col}"]) if col != "center" else "center"
    if col == "center":
        return rng.choice([row, f"{row} center", f"{row} middle"])
    sep = rng.choice([" ", "-"])
    return f"{rng.choice(ROW_SYN[row])}{sep}{col}"


def noun_phrase(obj: dict, rng: random.Random, with_size: bool = True) -> str:
    size = rng.choice(SIZE_SYN[obj["size"]])
    colour, shape = rng.choice(COLOUR_SYN[obj["colour"]]), rng.choice(SHAPE_SYN[obj["shape"]])
    return f"{size} {colour} {shape}" if with_size else f"{colour} {shape}"


def caption(scene: dict, rng: random.Random) -> str:
    objs = scene["objects"]
    if len(objs) == 1:
        o = objs[0]
        pos = position_phrase(o["cell"], rng)
        corner = " corner" if o["cell"] in (0, 2, 6, 8) and rng.random() < 0.5 else ""
        art = "an" if rng.choice(SIZE_SYN[o["size"]])[0] in "aeiou" else "a"
        t = rng.randrange(6)
        np_ = noun_phrase(o, rng)
        if t == 0:
            s = f"a {np_} in the {pos}{corner}"
        elif t == 1:
            s = f"{pos}: {np_}"
        elif t == 2:
            s = f"{noun_phrase(o, rng, False)}, {pos}, {rng.choice(SIZE_SYN[o['size']])}"
        elif t == 3:
            s = f"there is a {np_} at the {pos}"
        elif t == 4:
            s = f"{np_} {pos}"
        else:
            s = f"{art} {noun_phrase(o, rng, False)} that is {rng.choice(SIZE_SYN[o['size']])}, {pos}"
    else:
        a, b = noun_phrase(objs[0], rng), noun_phrase(objs[1], rng)
        rel = rng.choice(REL_SYN[scene["relation"]])
        t = rng.randrange(3)
        s = [f"a {a} {rel} a {b}", f"the {a} is {rel} the {b}", f"{a} {rel} {b}"][t]
    if rng.random() < 0.2:
        s += f" on a {rng.choice(COLOUR_SYN[scene['bg']])} background"
    return s


def perturb(scene: dict, rng: random.Random) -> dict:
    """Copy of the scene with exactly one attribute changed (the CLIP distractors and hard negatives)."""
    s = {"bg": scene["bg"], "objects": [dict(o) for o in scene["objects"]]}
    if "relation" in scene:
        s["relation"] = scene["relation"]
    i = rng.randrange(len(s["objects"]))
    o, other = s["objects"][i], [x for j, x in enumerate(s["objects"]) if j != i]
    kind = rng.choice(["shape", "colour", "size", "cell"] + (["relation"] if "relation" in s else []))
    if kind == "shape":
        o["shape"] = rng.choice([x for x in SHAPES if x != o["shape"]])
    elif kind == "colour":
        o["colour"] = rng.choice([x for x in COLOUR_NAMES if x != o["colour"] and all(x != p["colour"] for p in other)])
    elif kind == "size":
        o["size"] = "small" if o["size"] == "large" else "large"
    elif kind == "cell" and len(s["objects"]) == 1:
        o["cell"] = rng.choice([c for c in range(9) if c != o["cell"]])
    else:  # two objects: swap them, which flips the relation as drawn
        a, b = s["objects"]
        a["cell"], b["cell"] = b["cell"], a["cell"]
    return s


def make_scenes(n: int, seed: int, split: str = "train") -> list[dict]:
    rng = random.Random(seed)
    return [random_scene(rng, split) for _ in range(n)]


def render_all(scenes: list[dict]) -> np.ndarray:
    return np.stack([render(s) for s in scenes])  # (N, 64, 64, 3) uint8


def vocabulary() -> list[str]:
    """Every word any caption template can produce (the tokenizer's whole-word vocabulary)."""
    words = set("a an the in corner at there is that on background of to".split())
    for syn in (SHAPE_SYN, COLOUR_SYN, SIZE_SYN, ROW_SYN, COL_SYN):
        for v in syn.values():
            for w in v:
                words.update(w.split())
    for v in REL_SYN.values():
        for w in v:
            words.update(w.split())
    words.update(["centre", ",", ":", "-", "."])
    return sorted(words)
