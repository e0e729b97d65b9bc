"""What a negative prompt does, measured on the shipped bundle (issue 17 item 2).

For each (prompt, negative) pair, 16 samples at guidance 3 with a fixed seed, drawn twice: guided away from
the empty caption (no negative), and away from the negative prompt, as the runner does. Reported per pair
and on average: CLIP similarity of the images to the negated text and to the prompt, and the similarity to the
negated text of the image the runner would show first (top-1 by prompt similarity, or by prompt minus
negative similarity when there is a negative).

    python -m tessera_lab.negative [bundle_dir]
"""
import json
import sys
from pathlib import Path

import numpy as np

from .evaluate import Bundle

PAIRS = [
    ("an apple and a banana", "a banana"), ("a cat and a dog", "a dog"), ("a red balloon", "red"),
    ("a car next to a tree", "a tree"), ("a blue heart", "blue"), ("two strawberries on a green background", "green"),
    ("a rocket above a moon", "a moon"), ("a pizza and a cupcake", "a cupcake"),
]
N, G, SEED = 16, 3.0, 7


def measure(out: Path) -> dict:
    b = Bundle(out)
    rows = []
    for prompt, neg in PAIRS:
        te_p, te_n = b.text_embeds([prompt, neg])
        res = {"prompt": prompt, "without": neg}
        for name, negs in (("plain", None), ("negative", [neg])):
            imgs = b.decode(b.sample([prompt], N, G, np.random.default_rng(SEED), negatives=negs))
            ie = b.image_embeds(imgs)
            sp, sn = ie @ te_p, ie @ te_n
            top = int(np.argmax(sp - sn)) if negs else int(np.argmax(sp))
            res[name] = {"sim_negated": round(float(sn.mean()), 4), "sim_prompt": round(float(sp.mean()), 4),
                         "top1_sim_negated": round(float(sn[top]), 4)}
        rows.append(res)
        print(json.dumps(res), flush=True)
    mean = {k: {m: round(float(np.mean([r[k][m] for r in rows])), 4) for m in rows[0][k]} for k in ("plain", "negative")}
    print("mean", json.dumps(mean), flush=True)
    return {"pairs": rows, "mean": mean, "samples": N, "guidance": G, "seed": SEED}


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "models/tessera-sticker"
    measure(out)
