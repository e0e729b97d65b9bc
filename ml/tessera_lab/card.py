"""MODEL_CARD.md generated from the measured numbers (the prose is fixed; every number comes from the run)."""
from pathlib import Path

from . import captions, scenes
from . import concepts as K
from . import sprites as S

TARGETS = [  # (label, getter, target, higher is better)
    ("one object, seen concept: right concept and position", lambda m: m["fidelity"]["single_seen"]["clip_top1"], 0.9),
    ("held-out concept×colour pairs", lambda m: m["fidelity"]["heldout_tint"]["clip_top1"], 0.6),
    ("two objects with a relation", lambda m: m["fidelity"]["relation"]["clip_top1"], 0.6),
    ("two objects with a relation, held-out concept pairs", lambda m: m["fidelity"]["relation_heldout_pairs"]["clip_top1"], 0.6),
    ("counts 2–3", lambda m: m["fidelity"]["count"]["clip_top1"], 0.6),
    ("rerank gain, one object (top-1 minus random sample)",
     lambda m: m["fidelity"]["single_seen"]["clip_top1"] - m["fidelity"]["single_seen"]["random"], 0.15),
    ("VQ reconstructions: judge recognises the objects", lambda m: m["vq"]["judge_on_reconstructions"]["concept"], 0.97),
    ("CLIP text→image R@1 vs 7 one-change distractors (English)", lambda m: m["clip"]["r_at_1"]["en"], 0.9),
]


def _fmt(v) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def render_card(state: dict, m: dict) -> str:
    cfg, st, times = state["cfg"], state["metrics"], state.get("times", {})
    f = m["fidelity"]
    rows = [f"| {k.replace('_', ' ')} | {v['prompts']} | {v['random']:.3f} | {v['clip_top1']:.3f} | "
            f"{v['clip_top1'] - v['random']:+.3f} | {v.get('layout_random', float('nan')):.3f} | "
            f"{v.get('layout_clip_top1', float('nan')):.3f} |" for k, v in f.items()]
    target_rows = []
    for label, get, target in TARGETS:
        v = get(m)
        target_rows.append(f"| {label} | ≥ {target} | {v:.3f} | {'met' if v >= target else '**missed**'} |")
    seen = f["single_seen"]["clip_top1"]
    for label, other, key in (("held-out template family vs training templates", f["heldout_template"]["clip_top1"], 0.05),
                              ("Chinese prompts vs the same attributes in English", f["chinese"]["clip_top1"], 0.05)):
        d = other - seen
        target_rows.append(f"| {label} | within {key} | {d:+.3f} ({other:.3f} vs {seen:.3f}) | "
                           f"{'met' if abs(d) <= key or d > 0 else '**missed**'} |")
    lat = m["latency"]
    sweep = "\n".join(f"| {g} | " + " | ".join(f"{v['random']:.3f} / {v['clip_top1']:.3f}" for v in r.values()) + " |"
                      for g, r in m["guidance_sweep"].items())
    sweep_head = " | ".join(k.replace("_", " ") for k in next(iter(m["guidance_sweep"].values())))
    i8 = m.get("int8")
    int8 = ""
    if i8:
        fp, q = i8["fp32"], i8["int8"]
        int8 = (f"| fp32 | {i8['bytes_fp32'] / 1e6:.1f} MB | {i8['latency_fp32']['batch16_step_ms_full_cache_median']} ms | "
                f"{fp['single_seen']['clip_top1']:.3f} | {fp['relation']['clip_top1']:.3f} |\n"
                f"| int8 (dynamic) | {i8['bytes_int8'] / 1e6:.1f} MB | {i8['latency_int8']['batch16_step_ms_full_cache_median']} ms | "
                f"{q['single_seen']['clip_top1']:.3f} | {q['relation']['clip_top1']:.3f} |")
    cal = m["judge_calibration"]
    vqj = m["vq"]["judge_on_reconstructions"]
    sheet = "\n".join(f"| {i + 1} | {r['prompt']} | {r['clipScore']} |" for i, r in enumerate(m.get("contact_sheet", [])))
    pc, vc, cc = cfg["prior"], cfg["vq"], cfg["clip"]
    cs = K.load()
    groups = {}
    for c in cs:
        groups[c.group] = groups.get(c.group, 0) + 1
    ht = sorted(scenes.heldout_tints())
    return f"""# tessera-sticker — model card

A small DALL·E-style text-to-image stack trained from scratch on a 2-core CPU: VQ image tokenizer (128×128 →
16×16 codes) + decoder-only transformer prior + CLIP reranker, served as ONNX. The world is sticker scenes drawn
from Microsoft's Fluent Emoji (flat) and named in English and Chinese by emojibase. Every number below is
written by `ml/tessera_lab/evaluate.py` from the shipped ONNX files (`npm run train` regenerates this file;
`npm run train -- --evaluate-bundle` re-evaluates the shipped files alone, without the run's checkpoints).

## Data
- **Concepts: {len(cs)}** single-glyph emoji ({", ".join(f"{k} {v}" for k, v in groups.items())}). Dropped: flags,
  skin tones, keycaps, people/ZWJ sequences and text-like symbols (outside the groups), plus near-duplicates a
  caption cannot tell apart (clock faces, moon phases, "oncoming …", "X face" beside "X"; `concepts.py`).
  Each keeps its English label, synonyms (emojibase tags that name only it and sit near it in WordNet's noun
  hierarchy: cab → taxi, bunny → rabbit) and its Chinese label and tags.
- **Scenes:** 128×128, {len(scenes.BACKGROUNDS)} backgrounds ({", ".join(scenes.BACKGROUNDS)}); 1–3 stickers in a 3×3 grid,
  sizes small/medium/large (32/48/64 px, aligned with the VQ's 8-px codes); {len(S.TINTS)} tints ("a blue banana":
  hue and saturation from the colour, the glyph's shading kept); kinds: one object, two with a relation (left of,
  right of, above, below, next to), counts (2–3 of one), three different objects. Curriculum: 85% one object at the
  start, the final mix (45% / 25% / 15% / 15%) from 40% of training on.
- **Held out of training** (never drawn, never captioned, not even as CLIP negatives): {len(ht)} concept×colour
  pairs (e.g. {", ".join(f"{t} {cs[c].label}" for c, t in ht[:4])}, …), {scenes.HELDOUT_PAIR_COUNT} concept pairs, and the template
  family "{captions.HELDOUT_FAMILY}" ("in the top left you can see a cat", "a cat sits at the bottom"). Lists in `manifest.json`.
- **Captions:** {len(captions.EN_FAMILIES)} English template families with synonyms and filler ("please draw", "a sticker of",
  "cute", "I want"), {int(captions.ZH_SHARE * 100)}% Chinese captions from the Chinese labels; stated attributes are in the
  picture, unstated ones (position, size, background) are random, a tint is always stated. Fresh scenes every step.
- **Tokenizer:** byte-level BPE ({m.get('vocab_size', '')} tokens, trained on the captions); every CJK character is its own
  pre-token, so no input is ever unknown and Chinese reads character by character.

## Architecture
| model | details | parameters |
|---|---|---|
| VQ | 4×4 patchify + conv/res blocks → 16×16 codes; codebook {vc['codebook_size']}×{vc['code_dim']} (EMA k-means, dead-code restarts); decoder: 3 res blocks on the grid, 2× pixel shuffle + res block, 4× pixel shuffle | {st['vq']['params']:,} |
| prior | {pc['layers']} layers, d_model {pc['d_model']}, {pc['heads']} heads / {pc['kv_heads']} KV heads (GQA), text {state['cfg'].get('text_len', 40)} + image 256 tokens, 2-D image positions, loss on image tokens only, caption dropout {pc['caption_dropout']} | {st['prior']['params']:,} |
| CLIP | text: {cc['text_layers']}-layer transformer d {cc['d_text']}; image: 7-conv CNN (width {cc['image_width']}), flattened 4×4 map; shared dim {cc['embed_dim']}; batches of scenes and their one-change twins (concept, tint, position, size, count, relation, background; either language); a third of the images through the VQ | {st['clip']['params']:,} |

## Training (2 CPU threads, {'fp32' if cfg.get('bf16') is False else 'bf16 autocast'}, torch {state.get('torch', '2.13.0')}, seed {cfg['seed']}; budgets in steps)
| stage | steps × batch | final loss | wall time (s) |
|---|---|---|---|
| tokenizer | {cfg['tokenizer_captions']:,} captions | | {times.get('tokenizer', '')} |
| VQ | {vc['steps']} × {vc['batch']} | {st['vq']['final_loss']} | {times.get('vq', '')} |
| CLIP | {cc['steps']} × {cc['batch']} | {st['clip']['final_loss']} | {times.get('clip', '')} |
| prior | {pc['steps']} × {pc['batch']} | {st['prior']['final_loss']} | {times.get('prior', '')} |
| export | | | {times.get('export', '')} |
| evaluation | | | {m.get('seconds', '')} |

Checkpoints every {cfg['checkpoint_every']} steps; `--resume` continues bit-for-bit (tested).

## Evaluation (guidance {m['sampling']['guidanceScale']:g}, temperature {m['sampling']['temperature']}, top-k {m['sampling']['topK']}, {m['samples_per_prompt']} samples per prompt)
| prompts | n | random sample | CLIP top-1 | rerank gain | layout, random | layout, CLIP top-1 |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

"random sample" / "CLIP top-1": the judge finds exactly the asked sticker (the right glyph among {len(cs)}, and tint)
with everything the prompt states. "layout": a looser reading — stickers of the asked colours where the prompt
puts them (place, relation, number), whatever their glyphs (`judge.layout`; on ground truth it accepts
{m.get('judge_layout_calibration', '?')}).

### Against the targets
| measure | target | measured | |
|---|---|---|---|
{chr(10).join(target_rows)}

### Guidance sweep (random / CLIP top-1, first third of the prompts)
| guidance | {sweep_head} |
|---|---|---|
{sweep}

### Other measures
| metric | value |
|---|---|
| VQ PSNR (dB), {m['vq'].get('codebook_usage')} of the codebook used | {m['vq']['psnr_db']} |
| judge on VQ reconstructions: concept / tint / cell / size / count | {vqj.get('concept')} / {vqj.get('tint')} / {vqj.get('cell')} / {vqj.get('size')} / {vqj.get('count')} |
| CLIP R@1 vs 7 one-change distractors: English / Chinese / English through the VQ | {m['clip']['r_at_1']['en']} / {m['clip']['r_at_1']['zh']} / {m['clip']['r_at_1']['en_through_vq']} |
| judge calibration on ground truth: {", ".join(cal)} | {" / ".join(_fmt(v) for v in cal.values())} |
| prior step, batch 16, full cache (lab, onnxruntime) | {lat['batch16_step_ms_full_cache_median']} ms |
| 8 candidates with guidance + decode + CLIP (lab's Python loop) | {lat['eight_candidates_cfg_plus_clip_s']} s |

### int8 dynamic quantisation of the prior (16 prompts per group)
| prior | size | batch-16 step | one object, top-1 | relation, top-1 |
|---|---|---|---|---|
{int8}

### Why the gaps
The targets are missed by far, and the reason is measured, not guessed. The VQ keeps stickers recognisable
(the judge reads {vqj.get('concept')} of them back through it, target 0.97), so the codes can carry every glyph.
The prior learned the world's coarse structure — which colours a concept has, where the caption puts it, how
many and how big, on which background (the "layout" columns, and the contact sheet) — but not the glyphs
themselves: it paints a blob of the concept's colours in the right place instead of a drawing the judge can match
among {len(cs)} concepts. Its loss was still falling steadily when its step budget ended
({st['prior']['final_loss']} nats per image token at step {pc['steps']}); {len(cs)} glyphs × 3 sizes × tints are a
great deal to memorise for {pc['steps'] * pc['batch']:,} training scenes on two CPU cores, and CLIP, with
{cc['steps']} steps, ranks only {m['clip']['r_at_1']['en']} of scenes above their one-change twins (target 0.9), so
reranking can't rescue a weak sample. What would close the gap: 5–10× the prior's training tokens (an
accelerator; the same code with a larger `PriorConfig`) or a smaller world on the CPU (fewer concepts, two sizes).

## Contact sheet
`contact_sheet.png`: CLIP's top-1 of 8 for each prompt (seed 1).

| # | prompt | CLIP score |
|---|---|---|
{sheet}

## Licences
Art: Microsoft Fluent Emoji (flat), MIT, via `@iconify-json/fluent-emoji-flat`. Names: `emojibase-data`, MIT
(CLDR-derived labels and tags). Synonym filter: WordNet 3.0 (Princeton licence). The trained weights are the
project's own.

## Known failure modes
- Small stickers carry 4×4 codes: detailed glyphs (buildings, documents) lose detail in the VQ and look alike.
- Words outside the world (people, faces, abstract ideas, flags) have no concept; the runner reports them and
  the web suggests concepts instead.
- Three different objects and relations between them are harder than one object; counts above three are not
  in the world.
"""


def write_card(out: Path, state: dict, m: dict) -> None:
    (out / "MODEL_CARD.md").write_text(render_card(state, m))
