"""The sticker world's concepts: Fluent Emoji (flat) glyphs named by emojibase (English + Chinese).

Both come from npm packages the repo installs (`@iconify-json/fluent-emoji-flat`, `emojibase-data`, MIT), so
the lab reads them from node_modules; nothing is downloaded. A concept is one single-glyph emoji of the
concrete groups (animals & nature, food & drink, travel & places, activities, objects) plus six geometric
shapes. Dropped, with the reason in `SKIP`: near-duplicates a caption can't tell apart (the 24 clock faces,
moon phases, "oncoming bus" beside "bus", "cat face" beside "cat"), and text-like symbols.
"""
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EMOJI_DIR = ROOT / "node_modules/@iconify-json/fluent-emoji-flat"
EMOJIBASE_DIR = ROOT / "node_modules/emojibase-data"
GROUPS = {3: "animals & nature", 4: "food & drink", 5: "travel & places", 6: "activities", 7: "objects"}

# The geometric shapes: the glyph that draws the plain shape, under the shape's own name. Their emoji are
# coloured ("red circle"); the colour is a tint in this world, so "a blue circle" is the circle tinted blue.
SHAPES = {"1F534": ("circle", "圆形"), "1F7E5": ("square", "正方形"), "1F537": ("diamond", "菱形"),
          "1F53A": ("triangle", "三角形"), "2764": ("heart", "爱心"), "2B50": ("star", "星星")}

SKIP_LABEL = re.compile(
    r"o’clock|-thirty|^(new|waxing|waning|first quarter|last quarter) |moon face|^oncoming |^speaker |mailbox|"
    r"^globe showing|^(green|blue|orange) book$|^(airplane departure|airplane arrival|hourglass not done|"
    r"magnifying glass tilted right|mobile phone with arrow|envelope with arrow|incoming envelope|e-mail|"
    r"chart increasing with yen|bell with slash|muted speaker|clinking beer mugs|clinking glasses|"
    r"closed book|sun behind small cloud|sun behind large cloud|sun behind rain cloud|front-facing baby chick|"
    r"yen banknote|euro banknote|pound banknote|2nd place medal|3rd place medal|star)$"
)
# Words that say nothing about what a sticker is, or that already mean an attribute (colour, size, place).
STOP_TAGS = set("""
animal animals face food fruit vegetable drink nature object objects symbol sign thing things emotion emotional
small big large little tiny huge medium red orange yellow green blue purple pink brown black white gray grey
top bottom left right up down middle center centre corner side front back high low open closed new old
fun happy sad love cute nice good bad cool hot cold warm wet dry day night time weather holiday celebration
celebrate party gift event game play sport sports ball travel place places building vehicle transport
transportation tool tools office work school science music sound money mail book paper household clothing
clothes accessories accessory shopping weekend casual dressed fashion style beauty health diet healthy
restaurant cooking kitchen japanese chinese american english french italian mexican asian food-drink
""".split())


# Everyday names people type that the tag filter can't find (the word also names other concepts, or no tag says
# it): one concept each, chosen by hand.
EXTRA_SYNONYMS = {"automobile": ["car"], "full moon": ["moon"], "red apple": ["apple"], "hot beverage": ["coffee"],
                  "house": ["home"], "heart": ["love"]}


@dataclass
class Concept:
    index: int
    key: str  # fluent icon name, e.g. "red-apple"
    label: str  # English label, e.g. "red apple"
    zh: str  # Chinese label, e.g. "红苹果"
    emoji: str
    group: str
    synonyms: list[str] = field(default_factory=list)  # other English nouns that name only this concept
    zh_synonyms: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"index": self.index, "key": self.key, "label": self.label, "zh": self.zh, "emoji": self.emoji,
                "group": self.group, "synonyms": self.synonyms, "zhSynonyms": self.zh_synonyms}


WORDNET = Path("/usr/share/wordnet")  # Debian's wordnet-base (.ci/run installs it)


@lru_cache(maxsize=1)
def _wordnet() -> tuple[dict[str, list[int]], dict[int, set[int]]]:
    """WordNet nouns: lemma -> synset offsets, and synset -> its hypernyms and hyponyms."""
    if not (WORDNET / "index.noun").exists():
        raise FileNotFoundError("WordNet is missing: `apt-get install wordnet-base` (the lab picks concept "
                                "synonyms with it; .ci/run installs it)")
    lemmas: dict[str, list[int]] = {}
    for line in (WORDNET / "index.noun").read_text(encoding="latin-1").splitlines():
        if not line.startswith(" "):
            f = line.split()
            n = int(f[2])
            lemmas[f[0]] = [int(x) for x in f[-n:]]
    links: dict[int, set[int]] = {}
    for line in (WORDNET / "data.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue
        f = line.split(" | ")[0].split()
        w_cnt = int(f[3], 16)
        i = 4 + 2 * w_cnt
        p_cnt = int(f[i])
        ptrs = [f[i + 1 + 4 * k: i + 5 + 4 * k] for k in range(p_cnt)]
        links[int(f[0])] = {int(p[1]) for p in ptrs if p[2] == "n" and p[0] in ("@", "@i", "~", "~i")}
    return lemmas, links


def _wordnet_related(tag: str, label: str) -> bool:
    """A tag names the concept if it shares a WordNet noun synset with the label's head noun, or sits within
    two hypernym/hyponym steps of it ("cab" ~ taxi, "ladybug" ~ lady beetle, "squirrel" ~ chipmunk); tags that
    only describe it ("lazy", "frying", "evening") are not nouns near it and are dropped."""
    lemmas, links = _wordnet()
    if tag not in lemmas:
        return False
    words = [label.replace(" ", "_").replace("-", "_").lower(), label.split()[-1].lower()]
    near: set[int] = set()
    for w in words:
        frontier = set(lemmas.get(w, []))
        near |= frontier
        for _ in range(2):
            frontier = {n for s in frontier for n in links.get(s, ())}
            near |= frontier
    return bool(near & set(lemmas[tag]))


def _load_json(p: Path):
    return json.loads(p.read_text(encoding="utf-8"))


def _single_glyph(hexcode: str) -> bool:
    return "-" not in hexcode.upper().replace("-FE0F", "")


@lru_cache(maxsize=1)
def load() -> list[Concept]:
    if not EMOJI_DIR.exists() or not EMOJIBASE_DIR.exists():
        raise FileNotFoundError("the sticker art is missing: run `npm install` at the repo root "
                                "(@iconify-json/fluent-emoji-flat and emojibase-data are dev dependencies)")
    chars, icons = _load_json(EMOJI_DIR / "chars.json"), _load_json(EMOJI_DIR / "icons.json")["icons"]
    en, zh = _load_json(EMOJIBASE_DIR / "en/data.json"), _load_json(EMOJIBASE_DIR / "zh/data.json")
    zh_by_hex = {e["hexcode"]: e for e in zh}
    rows = []
    for e in en:
        hx, g = e["hexcode"], e.get("group")
        name = chars.get(hx.lower())
        if not name or name not in icons or not _single_glyph(hx):
            continue
        if hx in SHAPES:
            label, zh_label = SHAPES[hx]
            rows.append((label, zh_label, e, name, "shapes", [], []))
            continue
        if g not in GROUPS or SKIP_LABEL.search(e["label"]):
            continue
        z = zh_by_hex.get(hx)
        if not z:
            continue
        rows.append((e["label"].replace("’", "'"), z["label"], e, name, GROUPS[g], e.get("tags", []), z.get("tags", [])))
    labels = {r[0] for r in rows}
    # "cat face" is dropped where "cat" exists: a caption saying "cat" could mean either.
    rows = [r for r in rows if not (r[0].endswith(" face") and r[0][: -len(" face")] in labels)]
    labels = {r[0] for r in rows}
    zh_labels = {r[1] for r in rows}
    label_words = {w for lab in labels for w in lab.split()}
    en_count, zh_count = {}, {}
    for r in rows:
        for t in set(r[5]):
            en_count[t] = en_count.get(t, 0) + 1
        for t in set(r[6]):
            zh_count[t] = zh_count.get(t, 0) + 1
    out = []
    for i, (label, zh_label, e, name, group, tags, ztags) in enumerate(sorted(rows, key=lambda r: r[2]["order"])):
        # A tag is a synonym only if no other concept has it, it is a plain word and not another's label.
        syn = [t for t in tags if en_count[t] == 1 and t not in STOP_TAGS and re.fullmatch(r"[a-z]{3,}", t)
               and t not in labels and t != label and t not in label.split()[:-1] and _wordnet_related(t, label)
               and not (t.endswith("s") and t[:-1] in label_words | {label})]
        zsyn = [t for t in ztags if zh_count[t] == 1 and t not in zh_labels and t != zh_label and 2 <= len(t) <= 4
                # A Chinese tag is a synonym if it shares a character with the label (老鹰 ~ 鹰, 麋鹿 ~ 驼鹿):
                # the tags are translations of the English ones, and most only describe ("懒", "卖弄").
                and re.fullmatch(r"[\u4e00-\u9fff]+", t) and set(t) & set(zh_label)]
        extra = [x for x in EXTRA_SYNONYMS.get(label, []) if x not in syn]
        out.append(Concept(i, name, label, zh_label, e["emoji"], group, extra + sorted(syn)[:2], sorted(zsyn)[:2]))
    return out


def svg_of(c: Concept) -> str:
    icons = _icons()
    ic = icons["icons"][c.key]
    w, h = ic.get("width", icons.get("width", 32)), ic.get("height", icons.get("height", 32))
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}">{ic["body"]}</svg>'


@lru_cache(maxsize=1)
def _icons() -> dict:
    return _load_json(EMOJI_DIR / "icons.json")


if __name__ == "__main__":
    cs = load()
    from collections import Counter
    print(len(cs), Counter(c.group for c in cs))
    for c in cs[::7]:
        print(c.index, c.label, c.zh, c.synonyms, c.zh_synonyms)
