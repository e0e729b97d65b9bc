"""Rule-based judge: reads attributes back from pixels, independently of CLIP.

background = palette background matching most pixels; foreground = pixels far from it, split into
8-connected components; colour = nearest palette colour to the component's most saturated half;
position = centroid cell; shape and size = best IoU against templates rendered at that cell.
"""
from collections import deque
from functools import lru_cache

import numpy as np

from .data import BACKGROUNDS, COLOURS, SHAPES, SIZES, render_mask, relation_holds

PAL = np.array(list(COLOURS.values()), np.float32)
BGS = np.array(list(BACKGROUNDS.values()), np.float32)
MIN_PIXELS = 12


@lru_cache(maxsize=None)
def templates(cell: int) -> tuple[list[tuple[str, str]], np.ndarray]:
    keys = [(s, z) for s in SHAPES for z in SIZES]
    return keys, np.stack([render_mask(s, z, cell) > 0.5 for s, z in keys])  # (16,64,64) bool


def components(mask: np.ndarray) -> list[np.ndarray]:
    """8-connected components of a bool mask -> list of (n,2) pixel coordinate arrays."""
    H, W = mask.shape
    seen = np.zeros_like(mask)
    out = []
    for y0, x0 in zip(*np.nonzero(mask)):
        if seen[y0, x0]:
            continue
        q, pix = deque([(y0, x0)]), []
        seen[y0, x0] = True
        while q:
            y, x = q.popleft()
            pix.append((y, x))
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = y + dy, x + dx
                    if 0 <= ny < H and 0 <= nx < W and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        q.append((ny, nx))
        out.append(np.array(pix))
    return out


def read_image(img: np.ndarray) -> list[dict]:
    """img uint8 (64,64,3) -> detected objects, largest first: {shape,colour,size,cell,xy,area}."""
    x = img.astype(np.float32)
    dist_bg = np.linalg.norm(x[:, :, None, :] - BGS[None, None], axis=-1)  # (64,64,nbg)
    bg = int((dist_bg < 30).sum((0, 1)).argmax())
    d = dist_bg[:, :, bg]
    objs = []
    for pix in components(d > 45):
        if len(pix) < MIN_PIXELS:
            continue
        ys, xs = pix[:, 0], pix[:, 1]
        dd = d[ys, xs]
        core = pix[dd >= np.median(dd)]
        rgb = np.median(x[core[:, 0], core[:, 1]], 0)
        colour = list(COLOURS)[int(np.linalg.norm(PAL - rgb, axis=1).argmin())]
        cy, cx = ys.mean() + 0.5, xs.mean() + 0.5
        cell = int(min(2, cy // (64 / 3)) * 3 + min(2, cx // (64 / 3)))
        # Coverage > 0.5 (distance from bg relative to the colour's) matches the templates' 0.5 threshold;
        # the low detection threshold alone would fatten thin shapes (a small cross looks like a disc).
        alpha = dd / max(float(np.linalg.norm(PAL[list(COLOURS).index(colour)] - BGS[bg])), 1.0)
        m = np.zeros((64, 64), bool)
        m[ys[alpha > 0.5], xs[alpha > 0.5]] = True
        keys, tm = templates(cell)
        iou = (tm & m).sum((1, 2)) / (tm | m).sum((1, 2))
        shape, size = keys[int(iou.argmax())]
        objs.append({"shape": shape, "colour": colour, "size": size, "cell": cell, "xy": (cx, cy),
                     "area": len(pix), "iou": float(iou.max())})
    return sorted(objs, key=lambda o: -o["area"])


def _same(o: dict, want: dict, with_cell: bool) -> bool:
    keys = ("shape", "colour", "size") + (("cell",) if with_cell else ())
    return all(o[k] == want[k] for k in keys)


def faithful(img: np.ndarray, scene: dict) -> bool:
    """All asked attributes present: every object (and the cell / relation) that the caption states."""
    found = read_image(img)
    objs = scene["objects"]
    if len(objs) == 1:
        return any(_same(o, objs[0], True) for o in found)
    a = [o for o in found if _same(o, objs[0], False)]
    b = [o for o in found if _same(o, objs[1], False)]
    return any(relation_holds(scene["relation"], oa["xy"], ob["xy"]) for oa in a for ob in b)


def exact(img: np.ndarray, scene: dict) -> bool:
    """Stricter check used for the judge's own accuracy on ground truth: exactly the scene's objects."""
    found = read_image(img)
    if len(found) != len(scene["objects"]):
        return False
    return all(any(_same(f, o, True) for f in found) for o in scene["objects"])
