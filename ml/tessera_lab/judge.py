"""The lab's judge: reads a sticker scene back from pixels, independently of CLIP.

It knows the sprites. Background = the named colour nearest the border's median; foreground = pixels far
from it. Stickers are found greedily, largest foreground component first: every (cell, size) square that
could hold the component is compared, at 16×16, with every concept's glyph at that size (untinted and in each
tint) composited on the measured background; the best match names concept, tint, size and cell, and its square
is erased before the next component. Calibrated on ground-truth scenes (`calibrate`).
"""
from functools import lru_cache

import numpy as np
from scipy import ndimage

from . import scenes as Sc
from . import sprites as S

RES = 16
TINT_NAMES = [None, *S.TINTS]
BG_NAMES = list(Sc.BACKGROUNDS)
BG_RGB = np.array(list(Sc.BACKGROUNDS.values()), np.float32)
BOXES = [(cell, size) for size in S.SIZES for cell in range(9)]
MIN_PIXELS = 12
FG_THRESHOLD = 40.0


def _down(x: np.ndarray, res: int = RES) -> np.ndarray:
    """(..., s, s, C) -> (..., res, res, C) by box averaging (s is a multiple of res)."""
    s = x.shape[-2]
    f = s // res
    return x.reshape(*x.shape[:-3], res, f, res, f, x.shape[-1]).mean((-4, -2))


@lru_cache(maxsize=None)
def templates(size: str) -> tuple[np.ndarray, np.ndarray]:
    """Premultiplied RGB (N*T, 768) and alpha (N*T, 256) at 16×16 for every concept × tint (T = 12)."""
    g = S.atlas()[size]  # (N,s,s,4)
    variants = [g] + [S.tint(g, t) for t in S.TINTS]
    x = np.stack(variants, 1).astype(np.float32)  # (N,T,s,s,4)
    x = x.reshape(-1, *x.shape[2:])
    a = x[..., 3:] / 255
    # Averaging premultiplied colour and alpha is what compositing then shrinking does.
    x = _down(np.concatenate([x[..., :3] * a, a], -1))  # (N*T,16,16,4)
    p, a = x[..., :3], x[..., 3]
    return p.reshape(len(p), -1), a.reshape(len(a), -1)


@lru_cache(maxsize=None)
def _norms(size: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per template: |p|², Σ a·p (per channel, (N,3)) and |a|², so matching needs only matmuls with the crop."""
    p, a = templates(size)
    pp = p.reshape(len(p), -1, 3)
    return np.einsum("ij,ij->i", p, p), np.einsum("ij,ijc->ic", a, pp), np.einsum("ij,ij->i", a, a)


def background(img: np.ndarray) -> tuple[str, np.ndarray]:
    border = np.concatenate([img[:2].reshape(-1, 3), img[-2:].reshape(-1, 3), img[:, :2].reshape(-1, 3),
                             img[:, -2:].reshape(-1, 3)]).astype(np.float32)
    rgb = np.median(border, 0)
    return BG_NAMES[int(np.linalg.norm(BG_RGB - rgb, axis=1).argmin())], rgb


def _match(crop: np.ndarray, size: str, bg: np.ndarray) -> tuple[int, float]:
    """crop uint8 (s,s,3) -> (best template index, per-pixel mean squared error) at 16×16."""
    p, a = templates(size)
    pp, ap, aa = _norms(size)
    d = _down(crop.astype(np.float32)) - bg  # (16,16,3)
    # |d - (p - a·bg)|² expanded, so no (N,768) array is built per crop.
    dbg = (d * bg).sum(-1).reshape(-1)  # (256,)
    d = d.reshape(-1)
    err = d @ d - 2 * (p @ d - a @ dbg) + pp - 2 * (ap @ bg) + aa * (bg @ bg)
    i = int(err.argmin())
    return i, float(err[i]) / d.size


def read(img: np.ndarray) -> dict:
    """uint8 (128,128,3) -> {'bg': name, 'objects': [{concept, tint, size, cell, err}], largest first}."""
    bg_name, bg = background(img)
    fg = np.linalg.norm(img.astype(np.float32) - bg, axis=-1) > FG_THRESHOLD
    objects = []
    for _ in range(6):
        lab, n = ndimage.label(fg, structure=np.ones((3, 3)))
        if n == 0:
            break
        sizes = ndimage.sum(fg, lab, range(1, n + 1))
        k = int(sizes.argmax())
        if sizes[k] < MIN_PIXELS:
            break
        ys, xs = np.nonzero(lab == k + 1)
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        cands = [(c, z) for c, z in BOXES if _contains(Sc.box(c, z), (x0, y0, x1, y1), 3)]
        if not cands:  # touching stickers form one component: try every square it mostly fills
            cands = [(c, z) for c, z in BOXES if _coverage(fg, lab == k + 1, Sc.box(c, z)) > 0.25]
        if not cands:
            fg[lab == k + 1] = False
            continue
        best = None
        for c, z in cands:
            bx0, by0, bx1, by1 = Sc.box(c, z)
            i, err = _match(img[by0:by1, bx0:bx1], z, bg)
            if best is None or err < best[0]:
                best = (err, i, c, z)
        err, i, c, z = best
        concept, t = divmod(i, len(TINT_NAMES))
        objects.append({"concept": concept, "tint": TINT_NAMES[t], "size": z, "cell": c, "err": round(err, 1)})
        bx0, by0, bx1, by1 = Sc.box(c, z)
        fg[by0:by1, bx0:bx1] = False
    return {"bg": bg_name, "objects": objects}


def _contains(outer, inner, tol: int) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol and inner[2] <= outer[2] + tol
            and inner[3] <= outer[3] + tol)


def _coverage(fg: np.ndarray, comp: np.ndarray, b) -> float:
    x0, y0, x1, y1 = b
    return float(comp[y0:y1, x0:x1].sum()) / max(1, (x1 - x0) * (y1 - y0))


def _is(o: dict, want: dict, tint: bool = True) -> bool:
    return o["concept"] == want["concept"] and (not tint or o["tint"] == want.get("tint"))


def faithful(img: np.ndarray, scene: dict, stated: dict | None = None) -> bool:
    """Everything the prompt asked for is in the picture. stated: which optional attributes the prompt named
    ({'pos': bool, 'size': bool, 'bg': bool}); concept, tint, count and relation are always asked for."""
    stated = stated or {"pos": True}
    r = read(img)
    objs = scene["objects"]
    if stated.get("bg") and r["bg"] != scene["bg"]:
        return False
    kind = scene["kind"]
    if kind == "single":
        o = objs[0]
        return any(_is(f, o) and (not stated.get("pos") or f["cell"] == o["cell"])
                   and (not stated.get("size") or f["size"] == o["size"]) for f in r["objects"])
    if kind == "count":
        return sum(_is(f, objs[0]) for f in r["objects"]) == scene["count"]
    if kind == "relation":
        a = [f for f in r["objects"] if _is(f, objs[0])]
        b = [f for f in r["objects"] if _is(f, objs[1])]
        return any(Sc.relation_holds(scene["relation"], fa["cell"], fb["cell"]) for fa in a for fb in b)
    return all(any(_is(f, o) for f in r["objects"]) for o in objs)  # multi: every sticker present


def attributes(img: np.ndarray, scene: dict) -> dict[str, bool]:
    """Per-attribute correctness against a ground-truth scene (the judge's own calibration)."""
    r = read(img)
    found, objs = r["objects"], scene["objects"]
    out = {"bg": r["bg"] == scene["bg"], "count": len(found) == len(objs)}
    pairs = []
    for o in objs:  # match each true sticker to the detection in its cell
        f = next((f for f in found if f["cell"] == o["cell"]), None)
        pairs.append((o, f))
    out["cell"] = all(f is not None for _, f in pairs)
    out["concept"] = all(f is not None and f["concept"] == o["concept"] for o, f in pairs)
    out["tint"] = all(f is not None and f["tint"] == o.get("tint") for o, f in pairs)
    out["size"] = all(f is not None and f["size"] == o["size"] for o, f in pairs)
    if scene["kind"] == "relation":
        out["relation"] = faithful(img, scene)
    return out


def calibrate(n: int, seed: int) -> dict:
    """Per-attribute accuracy of `read` on n ground-truth scenes of every kind (any split)."""
    import random
    rng = random.Random(seed)
    sampler = Sc.Sampler("any")
    tallies: dict[str, list[bool]] = {}
    for i in range(n):
        s = sampler.scene(rng, {"single": 0.4, "relation": 0.2, "count": 0.2, "multi": 0.2})
        for k, v in attributes(Sc.render(s), s).items():
            tallies.setdefault(k, []).append(v)
    return {k: round(float(np.mean(v)), 4) for k, v in tallies.items()}


def _mean_colour(img: np.ndarray, bg: np.ndarray, cell: int, size: str) -> np.ndarray | None:
    """Mean colour of a detected sticker's foreground pixels (those far from the background)."""
    x0, y0, x1, y1 = Sc.box(cell, size)
    px = img[y0:y1, x0:x1].reshape(-1, 3).astype(np.float32)
    fg = px[np.linalg.norm(px - bg, axis=1) > FG_THRESHOLD]
    return fg.mean(0) if len(fg) else None


def _expected_colour(o: dict) -> np.ndarray:
    return np.array(S.TINTS[o["tint"]], np.float32) if o.get("tint") else np.array(S.mean_colour(o["concept"]), np.float32)


COLOUR_TOLERANCE = 60.0  # RGB distance between a sticker's mean colour and the asked concept's (or tint's)


def layout(img: np.ndarray, scene: dict, stated: dict | None = None) -> bool:
    """A looser reading than `faithful`: the picture has stickers of the asked colours in the asked layout
    (place for one object, relation for two, number for counts), whatever their exact glyphs. It measures what
    a prior learns before it can draw a glyph exactly."""
    stated = stated or {"pos": True}
    r = read(img)
    _, bg = background(img)
    found = [(f, _mean_colour(img, bg, f["cell"], f["size"])) for f in r["objects"]]
    found = [(f, c) for f, c in found if c is not None]

    def near(o: dict):
        want = _expected_colour(o)
        return [f for f, c in found if np.linalg.norm(c - want) < COLOUR_TOLERANCE]

    objs, kind = scene["objects"], scene["kind"]
    if kind == "single":
        return any(not stated.get("pos") or f["cell"] == objs[0]["cell"] for f in near(objs[0]))
    if kind == "count":
        return len(near(objs[0])) == scene["count"]
    if kind == "relation":
        return any(Sc.relation_holds(scene["relation"], a["cell"], b["cell"]) for a in near(objs[0]) for b in near(objs[1])
                   if a is not b)
    return all(near(o) for o in objs)


def calibrate_layout(n: int, seed: int) -> float:
    """How often `layout` accepts ground-truth scenes (its ceiling)."""
    import random
    rng = random.Random(seed)
    sampler = Sc.Sampler("any")
    ok = []
    for _ in range(n):
        s = sampler.scene(rng, {"single": 0.4, "relation": 0.2, "count": 0.2, "multi": 0.2})
        ok.append(layout(Sc.render(s), s, {"pos": True}))
    return round(float(np.mean(ok)), 4)
