"""Sticker pixels: every concept's SVG rendered once (resvg) into a cache, at the world's three sizes, plus tints.

A tint ("a blue banana") keeps the glyph's shading and replaces its colour: in HLS, hue and saturation come
from the tint, lightness is the glyph's own lightness shifted so its alpha-weighted mean lands on the tint's.
"""
import hashlib
import io
import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from . import concepts as K

# px on the 128-px canvas: 6, 8 and 12 VQ codes wide. 32 px (4 codes) was tried first: through the VQ the
# judge recognised only 44% of stickers; a sticker needs enough codes to keep its identity.
SIZES = {"small": 48, "medium": 64, "large": 96}
TINTS = {  # name -> RGB of the colour word
    "red": (222, 48, 48), "orange": (245, 140, 30), "yellow": (245, 208, 40), "green": (56, 168, 72),
    "blue": (48, 100, 222), "purple": (140, 72, 204), "pink": (240, 120, 182), "brown": (140, 86, 44),
    "black": (36, 36, 36), "white": (242, 242, 242), "gray": (128, 128, 128),
}
RENDER_PX = 256
CACHE_DIR = K.ROOT / "ml/runs/cache"


def _cache_key() -> str:
    pkgs = [K.EMOJI_DIR / "package.json", K.EMOJIBASE_DIR / "package.json"]
    h = hashlib.sha256(json.dumps([json.loads(p.read_text())["version"] for p in pkgs]).encode())
    h.update(json.dumps([c.key for c in K.load()]).encode())
    h.update(json.dumps(SIZES).encode())
    return h.hexdigest()[:16]


def _render_one(svg: str) -> np.ndarray:
    import resvg_py

    png = resvg_py.svg_to_bytes(svg_string=svg, width=RENDER_PX, height=RENDER_PX)
    img = Image.open(io.BytesIO(bytes(png))).convert("RGBA")
    return img


@lru_cache(maxsize=1)
def atlas() -> dict[str, np.ndarray]:
    """size name -> uint8 (N, s, s, 4) RGBA for every concept, built once into ml/runs/cache."""
    path = CACHE_DIR / f"sprites-{_cache_key()}.npz"
    if path.exists():
        with np.load(path) as z:
            return {k: z[k] for k in SIZES}
    out = {k: [] for k in SIZES}
    for c in K.load():
        img = _render_one(K.svg_of(c))
        for k, s in SIZES.items():
            # Pillow resamples RGBA with premultiplied alpha, so edges don't pick up black fringes.
            out[k].append(np.asarray(img.resize((s, s), Image.Resampling.LANCZOS)))
    arrays = {k: np.stack(v) for k, v in out.items()}
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.rename(path)
    return arrays


def _rgb_to_hls(rgb: np.ndarray):
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    mx, mn = rgb.max(-1), rgb.min(-1)
    l = (mx + mn) / 2
    d = mx - mn
    s = np.where(d == 0, 0, d / np.where(l < 0.5, mx + mn, 2 - mx - mn).clip(1e-6))
    return l, s


def _hls_to_rgb(h: float, l: np.ndarray, s: float) -> np.ndarray:
    def f(n):
        k = (n + h * 12) % 12
        a = s * np.minimum(l, 1 - l)
        return l - a * np.clip(np.minimum(k - 3, 9 - k), -1, 1)
    return np.stack([f(0), f(8), f(4)], -1)


def _tint_hls(name: str) -> tuple[float, float, float]:
    import colorsys
    r, g, b = (x / 255 for x in TINTS[name])
    return colorsys.rgb_to_hls(r, g, b)


def tint(rgba: np.ndarray, name: str) -> np.ndarray:
    """uint8 (..., s, s, 4) -> the same glyph(s) recoloured to the named tint (alpha unchanged)."""
    x = rgba[..., :3].astype(np.float32) / 255
    a = rgba[..., 3:].astype(np.float32) / 255
    l, _ = _rgb_to_hls(x)
    mean_l = (l * a[..., 0]).sum((-1, -2), keepdims=True) / a[..., 0].sum((-1, -2), keepdims=True).clip(1e-6)
    th, tl, ts = _tint_hls(name)
    new_l = np.clip(l - mean_l + tl, 0.03, 0.97)
    rgb = _hls_to_rgb(th, new_l, ts)
    return np.concatenate([np.round(rgb * 255), rgba[..., 3:]], -1).astype(np.uint8)


@lru_cache(maxsize=8192)
def sprite(concept: int, size: str, tint_name: str | None = None) -> np.ndarray:
    """uint8 (s, s, 4) RGBA of one concept at one size, tinted or not."""
    g = atlas()[size][concept]
    return g if tint_name is None else tint(g, tint_name)


def mean_colour(concept: int) -> np.ndarray:
    g = atlas()["small"][concept].astype(np.float32)
    a = g[..., 3:] / 255
    return (g[..., :3] * a).sum((0, 1)) / a.sum().clip(1e-6)
