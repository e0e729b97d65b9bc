"""Captions for sticker scenes: an English and a Chinese grammar with many templates, synonyms and filler.

What a caption states must be in the picture; what it leaves out (position, size, background) is random in
the picture, so "a cat" is a cat anywhere. A tint is always stated: an unasked-for blue cat would be wrong.
Filler ("please draw", "cute", "I want") is chosen independently of the scene, so it cannot move anything.
The template family "scene" is never used in training: evaluation measures robustness to new wording on it.
"""
import random

from . import concepts as K
from .scenes import cell_xy  # noqa: F401  (re-exported for callers that describe cells)

HELDOUT_FAMILY = "scene"
EN_FAMILIES = ("plain", "there", "colon", "request", "list")
ZH_SHARE = 0.25

POS_EN = {
    0: ["top left", "upper left", "top-left", "top left corner", "upper left corner"],
    1: ["top", "top center", "top middle", "upper middle", "top centre"],
    2: ["top right", "upper right", "top-right", "top right corner", "upper right corner"],
    3: ["left", "middle left", "center left", "left side", "left edge"],
    4: ["center", "centre", "middle", "very middle", "center of the picture"],
    5: ["right", "middle right", "center right", "right side", "right edge"],
    6: ["bottom left", "lower left", "bottom-left", "bottom left corner", "lower left corner"],
    7: ["bottom", "bottom center", "bottom middle", "lower middle", "bottom centre"],
    8: ["bottom right", "lower right", "bottom-right", "bottom right corner", "lower right corner"],
}
POS_ZH = {0: ["左上角", "左上方"], 1: ["上方中间", "正上方", "顶部"], 2: ["右上角", "右上方"], 3: ["左边", "左侧"],
          4: ["中间", "中央", "正中间"], 5: ["右边", "右侧"], 6: ["左下角", "左下方"], 7: ["下方中间", "正下方", "底部"],
          8: ["右下角", "右下方"]}
SIZE_EN = {"small": ["small", "little", "tiny"], "medium": ["medium", "medium-sized", "mid-sized"],
           "large": ["large", "big", "huge"]}
SIZE_ZH = {"small": ["小"], "medium": ["中等大小的", "中号"], "large": ["大"]}
COLOUR_EN = {"red": ["red"], "orange": ["orange"], "yellow": ["yellow"], "green": ["green"], "blue": ["blue"],
             "purple": ["purple", "violet"], "pink": ["pink"], "brown": ["brown"], "black": ["black"],
             "white": ["white"], "gray": ["gray", "grey"], "beige": ["beige", "tan"]}
COLOUR_ZH = {"red": "红色", "orange": "橙色", "yellow": "黄色", "green": "绿色", "blue": "蓝色", "purple": "紫色",
             "pink": "粉色", "brown": "棕色", "black": "黑色", "white": "白色", "gray": "灰色", "beige": "米色"}
REL_EN = {"left of": ["to the left of", "left of", "on the left of"],
          "right of": ["to the right of", "right of", "on the right of"],
          "above": ["above", "over"], "below": ["below", "under", "beneath"], "next to": ["next to", "beside"]}
REL_ZH = {"left of": "左边", "right of": "右边", "above": "上面", "below": "下面", "next to": "旁边"}
MIRROR = {"left of": "right of", "right of": "left of", "above": "below", "below": "above", "next to": "next to"}
NUM_EN = {2: ["two", "2", "a pair of"], 3: ["three", "3"]}
NUM_ZH = {2: ["两个", "两只", "2个"], 3: ["三个", "三只", "3个"]}
REQUEST_EN = ["please draw", "draw", "i want", "show me", "make", "give me", "can you draw", "a picture of",
              "an image of", "a sticker of", "paint", "generate"]
ADJ_EN = ["cute", "nice", "lovely", "cartoon", "simple", "flat"]
REQUEST_ZH = ["请画", "画", "我想要", "给我", "来一张", "生成"]
ADJ_ZH = ["可爱的", "卡通", "简单的"]


def _concepts():
    return K.load()


def plural(label: str) -> str:
    words = label.split()
    preps = [k for k, w in enumerate(words) if k > 0 and w in ("of", "at", "with", "without", "on", "in", "and")]
    i = preps[0] - 1 if preps else len(words) - 1
    w = words[i]
    if w.endswith(("s", "x", "ch", "sh")) and not w.endswith("ss"):
        return label  # already plural ("cherries", "glasses", "french fries")
    if w.endswith("ss"):
        w += "es"
    elif w.endswith("y") and len(w) > 1 and w[-2] not in "aeiou":
        w = w[:-1] + "ies"
    elif w.endswith("f") and w not in ("roof", "chef"):
        w = w[:-1] + "ves"
    elif w.endswith("o") and w in ("tomato", "potato", "mango"):
        w += "es"
    else:
        w += "s"
    words[i] = w
    return " ".join(words)


def _noun_en(o: dict, rng: random.Random, syn_p: float = 0.15) -> str:
    c = _concepts()[o["concept"]]
    return rng.choice(c.synonyms) if c.synonyms and rng.random() < syn_p else c.label


def _article(word: str) -> str:
    return "an" if word[0].lower() in "aeiou" else "a"


def np_en(o: dict, rng: random.Random, with_size: bool, article: bool = True, adj_p: float = 0.15) -> str:
    parts = []
    if rng.random() < adj_p:
        parts.append(rng.choice(ADJ_EN))
    if with_size:
        parts.append(rng.choice(SIZE_EN[o["size"]]))
    if o.get("tint"):
        parts.append(rng.choice(COLOUR_EN[o["tint"]]))
    parts.append(_noun_en(o, rng))
    s = " ".join(parts)
    if not article:
        return s
    art = rng.choices([_article(s), "one", "the"], weights=[8, 1, 1])[0]
    return f"{art} {s}"


def pos_en(cell: int, rng: random.Random) -> str:
    p = rng.choice(POS_EN[cell])
    if cell in (3, 5) and rng.random() < 0.4:
        return f"on the {p}"
    return f"{rng.choice(['in', 'at'] if cell != 4 else ['in', 'at', 'in'])} the {p}"


def bg_en(bg: str, rng: random.Random) -> str:
    c = rng.choice(COLOUR_EN[bg])
    return rng.choice([f"on a {c} background", f"with a {c} background", f"{c} background", f"against {c}"])


def _single_en(s: dict, rng: random.Random, family: str, m: dict) -> str:
    o = s["objects"][0]
    noun = np_en(o, rng, m["size"])
    pos = pos_en(o["cell"], rng) if m["pos"] else ""
    if family == "plain":
        out = f"{noun} {pos}"
    elif family == "there":
        out = f"there is {noun} {pos}"
    elif family == "colon":
        out = f"{rng.choice(POS_EN[o['cell']])}: {noun}" if m["pos"] else noun
    elif family == "request":
        out = f"{rng.choice(REQUEST_EN)} {noun} {pos}"
    elif family == "list":
        bits = [_noun_en(o, rng) if not o.get("tint") else f"{rng.choice(COLOUR_EN[o['tint']])} {_noun_en(o, rng)}"]
        if m["size"]:
            bits.append(rng.choice(SIZE_EN[o["size"]]))
        if m["pos"]:
            bits.append(rng.choice(POS_EN[o["cell"]]))
        rng.shuffle(bits[1:]) if len(bits) > 2 else None
        out = ", ".join(bits)
    elif family == HELDOUT_FAMILY:  # new word order and new words, same attribute words
        if m["pos"]:
            out = rng.choice([f"{pos} you can see {noun}", f"{pos} we see {noun}",
                              f"{noun} sits {pos}", f"{noun} is placed {pos}"])
        else:
            out = rng.choice([f"you can see {noun}", f"we see {noun}", f"just {noun}"])
    else:
        raise ValueError(family)
    return out


def _two_en(s: dict, rng: random.Random) -> str:
    a, b = s["objects"]
    rel = s["relation"]
    if rng.random() < 0.5:  # paired phrasing: "A left of B" is "B right of A"
        a, b, rel = b, a, MIRROR[rel]
    na, nb = np_en(a, rng, False), np_en(b, rng, False)
    r = rng.choice(REL_EN[rel])
    t = rng.randrange(4)
    return [f"{na} {r} {nb}", f"{na} is {r} {nb}", f"there is {na} {r} {nb}",
            f"{rng.choice(REQUEST_EN)} {na} {r} {nb}"][t]


def _count_en(s: dict, rng: random.Random) -> str:
    o = s["objects"][0]
    c = _concepts()[o["concept"]]
    noun = plural(c.label if not c.synonyms or rng.random() > 0.15 else rng.choice(c.synonyms))
    if o.get("tint"):
        noun = f"{rng.choice(COLOUR_EN[o['tint']])} {noun}"
    num = rng.choice(NUM_EN[s["count"]])
    t = rng.randrange(3)
    return [f"{num} {noun}", f"there are {num} {noun}", f"{rng.choice(REQUEST_EN)} {num} {noun}"][t]


def _multi_en(s: dict, rng: random.Random, with_pos: bool) -> str:
    objs = list(s["objects"])
    rng.shuffle(objs)
    if with_pos:
        ps = [f"{np_en(o, rng, False)} {pos_en(o['cell'], rng)}" for o in objs]
    else:
        ps = [np_en(o, rng, False) for o in objs]
    return rng.choice([f"{ps[0]}, {ps[1]} and {ps[2]}", f"{ps[0]} with {ps[1]} and {ps[2]}",
                       f"{ps[0]}, {ps[1]}, {ps[2]}"])


def _np_zh(o: dict, rng: random.Random, with_size: bool) -> str:
    c = _concepts()[o["concept"]]
    noun = rng.choice(c.zh_synonyms) if c.zh_synonyms and rng.random() < 0.15 else c.zh
    colour = COLOUR_ZH[o["tint"]] if o.get("tint") else ""
    size = rng.choice(SIZE_ZH[o["size"]]) if with_size else ""
    adj = rng.choice(ADJ_ZH) if rng.random() < 0.1 else ""
    if colour and size:
        return rng.choice([f"{adj}{size}的{colour}{noun}", f"{adj}{colour}的{size}{noun}"])
    if colour:
        return rng.choice([f"{adj}{colour}的{noun}", f"{adj}{colour}{noun}"])
    if size:
        return f"{adj}{size}{noun}" if size != "中等大小的" else f"{adj}{size}{noun}"
    return f"{adj}{noun}"


def _measure(rng: random.Random) -> str:
    return rng.choice(["一个", "一只", "一", ""])


def _single_zh(s: dict, rng: random.Random, m: dict) -> str:
    o = s["objects"][0]
    noun = _np_zh(o, rng, m["size"])
    if not m["pos"]:
        return rng.choice([f"{_measure(rng)}{noun}", f"{rng.choice(REQUEST_ZH)}{_measure(rng)}{noun}", noun])
    p = rng.choice(POS_ZH[o["cell"]])
    return rng.choice([f"{p}有{_measure(rng)}{noun}", f"{_measure(rng)}{noun}在{p}", f"{noun}，{p}",
                       f"{rng.choice(REQUEST_ZH)}{_measure(rng)}{noun}在{p}", f"在{p}画{_measure(rng)}{noun}"])


def _two_zh(s: dict, rng: random.Random) -> str:
    a, b = s["objects"]
    rel = s["relation"]
    if rng.random() < 0.5:
        a, b, rel = b, a, MIRROR[rel]
    na, nb = _np_zh(a, rng, False), _np_zh(b, rng, False)
    r = REL_ZH[rel]
    return rng.choice([f"{na}在{nb}的{r}", f"{_measure(rng)}{na}在{_measure(rng)}{nb}的{r}", f"{nb}的{r}有{_measure(rng)}{na}"])


def _count_zh(s: dict, rng: random.Random) -> str:
    o = s["objects"][0]
    noun = _np_zh(o, rng, False)
    num = rng.choice(NUM_ZH[s["count"]])
    return rng.choice([f"{num}{noun}", f"有{num}{noun}", f"{rng.choice(REQUEST_ZH)}{num}{noun}"])


def _multi_zh(s: dict, rng: random.Random) -> str:
    ns = [_np_zh(o, rng, False) for o in s["objects"]]
    rng.shuffle(ns)
    return rng.choice([f"{ns[0]}、{ns[1]}和{ns[2]}", f"{ns[0]}，{ns[1]}，{ns[2]}"])


def caption(s: dict, rng: random.Random, lang: str | None = None, family: str | None = None,
            mention: dict | None = None) -> str:
    """One caption of a scene. lang 'en'/'zh' (default: Chinese for ZH_SHARE of captions); family: an English
    single-object template family (default: a random training family); mention: force {'pos','size','bg'}."""
    lang = lang or ("zh" if rng.random() < ZH_SHARE else "en")
    m = {"pos": rng.random() < 0.65, "size": rng.random() < 0.5, "bg": rng.random() < 0.3}
    if mention:
        m.update(mention)
    kind = s["kind"]
    if lang == "en":
        if kind == "single":
            out = _single_en(s, rng, family or rng.choice(EN_FAMILIES), m)
        elif kind == "relation":
            out = _two_en(s, rng)
        elif kind == "count":
            out = _count_en(s, rng)
        else:
            out = _multi_en(s, rng, m["pos"] and rng.random() < 0.5)
        if m["bg"]:
            out = f"{out} {bg_en(s['bg'], rng)}"
        return " ".join(out.split())
    if kind == "single":
        out = _single_zh(s, rng, m)
    elif kind == "relation":
        out = _two_zh(s, rng)
    elif kind == "count":
        out = _count_zh(s, rng)
    else:
        out = _multi_zh(s, rng)
    if m["bg"]:
        bg = COLOUR_ZH[s["bg"]]
        out = rng.choice([f"{out}，{bg}背景", f"{bg}背景上的{out}", f"{out}，背景是{bg}"])
    return out


def vocabulary() -> dict:
    """What the model sees in training: every English word and every Chinese character a caption can hold."""
    words: set[str] = set()
    chars: set[str] = set()

    def add_en(text: str):
        for w in text.replace("-", " ").replace(",", " ").replace(":", " ").split():
            words.add(w.lower())

    def add_zh(text: str):
        chars.update(ch for ch in text if "\u4e00" <= ch <= "\u9fff")

    for table in (POS_EN, SIZE_EN, COLOUR_EN, REL_EN, NUM_EN):
        for v in table.values():
            for x in v:
                add_en(x)
    for x in REQUEST_EN + ADJ_EN + ["a", "an", "one", "the", "in", "at", "on", "there", "is", "are", "with", "and",
                                    "of", "background", "against"]:
        add_en(x)
    for c in _concepts():
        for x in [c.label, plural(c.label), *c.synonyms, *map(plural, c.synonyms)]:
            add_en(x)
        for x in [c.zh, *c.zh_synonyms]:
            add_zh(x)
    for table in (POS_ZH, SIZE_ZH, NUM_ZH):
        for v in table.values():
            for x in v:
                add_zh(x)
    for x in list(COLOUR_ZH.values()) + list(REL_ZH.values()) + REQUEST_ZH + ADJ_ZH + ["有", "在", "的", "背景", "是", "画", "和"]:
        add_zh(x)
    return {"words": sorted(words), "chars": sorted(chars)}
