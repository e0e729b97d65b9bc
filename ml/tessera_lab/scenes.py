"""Sticker scenes: 128-px canvases with 1-3 stickers on a named background, sampled deterministically.

Every sticker sits on the VQ's 8-px code grid (cell centres 32/64/96 px, sizes 48/64/96 px, a sticker's centre
moved inwards until it fits the canvas), so a glyph at a size always becomes the same codes wherever it is: the
prior learns 765 glyphs × 3 sizes, not × 9 places.
A scene is a plain dict so it can be captioned, perturbed (one thing changed) and judged.
"""
import random

import numpy as np

from . import concepts as K
from . import sprites as S

CANVAS = 128
CENTRES = (32, 64, 96)
BACKGROUNDS = {  # softened so stickers of the same hue stay visible; the names are what captions say
    "white": (246, 246, 242), "black": (24, 24, 28), "gray": (128, 128, 132), "red": (214, 92, 92),
    "orange": (240, 168, 96), "yellow": (244, 226, 128), "green": (120, 190, 120), "blue": (110, 150, 226),
    "purple": (168, 128, 214), "pink": (244, 178, 206), "brown": (138, 100, 72), "beige": (226, 210, 176),
}
KINDS = ("single", "relation", "count", "multi")
RELATIONS = ("left of", "right of", "above", "below", "next to")
HELDOUT_TINT_EVERY = 17  # every 17th concept has one colour it never wears in training
HELDOUT_PAIR_COUNT = 60


def n_concepts() -> int:
    return len(K.load())


def heldout_tints() -> set[tuple[int, str]]:
    """A fixed ~45 (concept, tint) pairs never drawn or captioned in training: colour composition."""
    names = list(S.TINTS)
    return {(c, names[(c // HELDOUT_TINT_EVERY) % len(names)]) for c in range(0, n_concepts(), HELDOUT_TINT_EVERY)}


def heldout_pairs() -> set[frozenset]:
    """A fixed 60 concept pairs that never share a training scene: object-object composition."""
    rng = random.Random(20201)
    n, out = n_concepts(), set()
    while len(out) < HELDOUT_PAIR_COUNT:
        a, b = rng.sample(range(n), 2)
        out.add(frozenset((a, b)))
    return out


def cell_xy(cell: int, size: str | None = None) -> tuple[int, int]:
    """Centre of a sticker in a cell: the cell's centre, moved inwards until a sticker of `size` fits."""
    r, c = divmod(cell, 3)
    h = S.SIZES[size] // 2 if size else 0
    fit = lambda v: min(max(v, h), CANVAS - h)  # noqa: E731
    return fit(CENTRES[c]), fit(CENTRES[r])


def box(cell: int, size: str) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of a sticker's square (always inside the canvas)."""
    x, y = cell_xy(cell, size)
    h = S.SIZES[size] // 2
    return x - h, y - h, x + h, y + h


def overlaps(a: dict, b: dict) -> bool:
    ax0, ay0, ax1, ay1 = box(a["cell"], a["size"])
    bx0, by0, bx1, by1 = box(b["cell"], b["size"])
    return ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1


def relation_holds(rel: str, a_cell: int, b_cell: int) -> bool:
    (ra, ca), (rb, cb) = divmod(a_cell, 3), divmod(b_cell, 3)
    return {"left of": ca < cb, "right of": ca > cb, "above": ra < rb, "below": ra > rb,
            "next to": ra == rb and ca != cb}[rel]


def render(scene: dict) -> np.ndarray:
    """scene -> uint8 (128, 128, 3)."""
    img = np.empty((CANVAS, CANVAS, 3), np.float32)
    img[:] = BACKGROUNDS[scene["bg"]]
    for o in scene["objects"]:
        g = S.sprite(o["concept"], o["size"], o.get("tint")).astype(np.float32)
        x0, y0, x1, y1 = box(o["cell"], o["size"])
        a = g[..., 3:] / 255
        img[y0:y1, x0:x1] = g[..., :3] * a + img[y0:y1, x0:x1] * (1 - a)
    return np.round(img).astype(np.uint8)


def render_all(scenes: list[dict]) -> np.ndarray:
    return np.stack([render(s) for s in scenes])


class Sampler:
    """Draws scenes for one split. 'train' never shows a held-out tint or pair; 'heldout_tint' and
    'heldout_pair' draw exactly those; 'any' draws from everything."""

    def __init__(self, split: str = "train"):
        self.split = split
        self.n = n_concepts()
        self.h_tints, self.h_pairs = heldout_tints(), heldout_pairs()
        self.tint_names = list(S.TINTS)
        self.bg_names = list(BACKGROUNDS)
        self.mean = {i: np.array(S.mean_colour(i)) for i in range(self.n)}

    def _tint(self, rng: random.Random, concept: int, p: float = 0.2) -> str | None:
        if rng.random() >= p:
            return None
        while True:
            t = rng.choice(self.tint_names)
            if self.split == "any" or (concept, t) not in self.h_tints:
                return t

    def _visible_bg(self, rng: random.Random, objs: list[dict]) -> str:
        """A background every sticker stands out from (a yellow star vanishes on yellow)."""
        cols = [np.array(S.TINTS[o["tint"]]) if o.get("tint") else self.mean[o["concept"]] for o in objs]
        for _ in range(20):
            bg = rng.choice(self.bg_names)
            if all(np.linalg.norm(np.array(BACKGROUNDS[bg]) - c) > 70 for c in cols):
                return bg
        return bg

    def allowed(self, scene: dict) -> bool:
        """Whether this split may show the scene (training never shows a held-out tint or pair, even as a
        CLIP negative)."""
        if self.split != "train":
            return True
        objs = scene["objects"]
        return (all((o["concept"], o.get("tint")) not in self.h_tints for o in objs)
                and self._pair_ok([o["concept"] for o in objs]))

    def twin(self, scene: dict, rng: random.Random) -> dict:
        """A one-change copy (see `perturb`) this split may show."""
        while True:
            t = perturb(scene, rng, self)
            if self.allowed(t):
                return t

    def _pair_ok(self, ids: list[int]) -> bool:
        if self.split == "any":
            return True
        return all(frozenset((a, b)) not in self.h_pairs for i, a in enumerate(ids) for b in ids[i + 1:])

    def _place(self, rng: random.Random, objs: list[dict]) -> bool:
        """Gives each object a cell so that none overlap; False if the sizes don't fit."""
        for _ in range(30):
            cells = rng.sample(range(9), len(objs))
            for o, c in zip(objs, cells):
                o["cell"] = c
            if not any(overlaps(a, b) for i, a in enumerate(objs) for b in objs[i + 1:]):
                return True
        return False

    def single(self, rng: random.Random, concept: int | None = None, tint: str | None = None) -> dict:
        c = rng.randrange(self.n) if concept is None else concept
        if self.split == "heldout_tint" and concept is None:
            c, tint = rng.choice(sorted(self.h_tints))
        t = tint if tint is not None else self._tint(rng, c)
        o = {"concept": c, "size": rng.choice(list(S.SIZES)), "cell": rng.randrange(9), "tint": t}
        return {"kind": "single", "objects": [o], "bg": self._visible_bg(rng, [o])}

    def _distinct(self, rng: random.Random, k: int) -> list[int]:
        if self.split == "heldout_pair":
            return list(rng.choice(sorted(tuple(sorted(p)) for p in self.h_pairs)))
        while True:
            ids = rng.sample(range(self.n), k)
            if self._pair_ok(ids):
                return ids

    def relation(self, rng: random.Random) -> dict:
        rel = rng.choice(RELATIONS)
        while True:
            a, b = self._distinct(rng, 2)
            objs = [{"concept": x, "size": rng.choice(["small", "medium"]), "tint": self._tint(rng, x, 0.1)}
                    for x in (a, b)]
            if not self._place(rng, objs):
                continue
            if relation_holds(rel, objs[0]["cell"], objs[1]["cell"]) and self._clean(rel, objs):
                return {"kind": "relation", "relation": rel, "objects": objs, "bg": self._visible_bg(rng, objs)}

    @staticmethod
    def _clean(rel: str, objs: list[dict]) -> bool:
        """Left/right pairs share a row and above/below pairs a column, so the relation is the only reading."""
        (ra, ca), (rb, cb) = divmod(objs[0]["cell"], 3), divmod(objs[1]["cell"], 3)
        return ra == rb if rel in ("left of", "right of", "next to") else ca == cb

    def count(self, rng: random.Random) -> dict:
        c = rng.randrange(self.n)
        k = rng.choice([2, 3])
        t = self._tint(rng, c, 0.1)
        size = rng.choice(["small", "medium"]) if k == 2 else "small"
        while True:
            objs = [{"concept": c, "size": size, "tint": t} for _ in range(k)]
            if self._place(rng, objs):
                return {"kind": "count", "count": k, "objects": objs, "bg": self._visible_bg(rng, objs)}

    def multi(self, rng: random.Random) -> dict:
        while True:
            objs = [{"concept": x, "size": "small", "tint": self._tint(rng, x, 0.1)} for x in self._distinct(rng, 3)]
            if self._place(rng, objs):
                return {"kind": "multi", "objects": objs, "bg": self._visible_bg(rng, objs)}

    def scene(self, rng: random.Random, mix: dict[str, float]) -> dict:
        kind = rng.choices(list(mix), weights=list(mix.values()))[0]
        return getattr(self, kind)(rng)


def curriculum(progress: float) -> dict[str, float]:
    """One object first, then more of several: at progress 0, 85% single; from 40% on, the final mix."""
    t = min(1.0, progress / 0.4)
    return {"single": 0.85 - 0.4 * t, "relation": 0.07 + 0.18 * t, "count": 0.04 + 0.11 * t, "multi": 0.04 + 0.11 * t}


def perturb(scene: dict, rng: random.Random, sampler: Sampler) -> dict:
    """Copy with exactly one thing changed (CLIP's hard negatives and distractors): the concept, the tint,
    the position, the count, the relation (objects swapped) or the background. Language is a change of the
    caption, made by the caller."""
    s = {k: (v if k != "objects" else [dict(o) for o in v]) for k, v in scene.items()}
    objs = s["objects"]
    kinds = ["concept", "tint", "bg"]
    if s["kind"] == "single":
        kinds += ["cell", "size"]
    if s["kind"] == "relation":
        kinds += ["swap"]
    if s["kind"] == "count":
        kinds += ["count"]
    kind = rng.choice(kinds)
    i = rng.randrange(len(objs))
    if kind == "concept":
        new = rng.randrange(sampler.n)
        for o in objs if s["kind"] == "count" else [objs[i]]:
            o["concept"] = new
    elif kind == "tint":
        choices = [t for t in [None, *sampler.tint_names] if t != objs[i].get("tint")]
        new = rng.choice(choices)
        for o in objs if s["kind"] == "count" else [objs[i]]:
            o["tint"] = new
    elif kind == "bg":
        s["bg"] = rng.choice([b for b in BACKGROUNDS if b != s["bg"]])
    elif kind == "cell":
        objs[0]["cell"] = rng.choice([c for c in range(9) if c != objs[0]["cell"]])
    elif kind == "size":
        objs[0]["size"] = rng.choice([z for z in S.SIZES if z != objs[0]["size"]])
    elif kind == "swap":
        objs[0]["cell"], objs[1]["cell"] = objs[1]["cell"], objs[0]["cell"]
    else:  # count: 2 <-> 3 (a third copy goes to a free cell that fits, else one is removed)
        if s["count"] == 3:
            objs.pop()
            s["count"] = 2
        else:
            for o in objs:
                o["size"] = "small"
            extra = dict(objs[0])
            free = [c for c in range(9) if not any(overlaps(dict(extra, cell=c), o) for o in objs)]
            if free:
                extra["cell"] = rng.choice(free)
                objs.append(extra)
                s["count"] = 3
            else:  # no room for a third: the change is the concept instead
                new = rng.randrange(sampler.n)
                for o in objs:
                    o["concept"] = new
    return s
