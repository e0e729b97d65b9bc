"""All knobs in one place. `full()` is the shipped recipe, `smoke()` runs every stage in well under 2 minutes.

Budgets are steps, never seconds: the same seed and config give the same bundle on a busy or an idle machine.
"""
from dataclasses import asdict, dataclass, field

IMAGE_SIZE = 128
GRID = 16  # VQ grid rows == cols; the VQ downsamples by IMAGE_SIZE // GRID = 8
TEXT_LEN = 40  # [BOS] + up to 38 caption tokens + [EOS], right-padded with [PAD]


@dataclass
class VQConfig:
    codebook_size: int = 1024
    code_dim: int = 32
    l2: bool = False  # l2-normalised 8-d codes reconstructed worse here (600 steps: 22.6 vs 24.4 dB)
    hidden: int = 128
    steps: int = 2400
    batch: int = 32
    lr: float = 2e-3


@dataclass
class PriorConfig:
    d_model: int = 256
    layers: int = 5
    heads: int = 8
    kv_heads: int = 4
    steps: int = 4800
    batch: int = 24
    lr: float = 1.5e-3
    caption_dropout: float = 0.1


@dataclass
class ClipConfig:
    embed_dim: int = 192
    d_text: int = 192
    text_layers: int = 3
    image_width: int = 48
    steps: int = 2000
    batch: int = 96
    lr: float = 1e-3


@dataclass
class EvalConfig:
    prompts: int = 48  # per group
    samples: int = 8
    guidances: tuple[float, ...] = (3.0,)  # the first is the shipped default
    batch_prompts: int = 4
    judge_images: int = 600
    clip_queries: int = 300
    vq_images: int = 400


@dataclass
class LabConfig:
    seed: int = 1234
    vocab_size: int = 5000
    tokenizer_captions: int = 100000
    smoke: bool = False
    threads: int = 2
    checkpoint_every: int = 250
    bf16: bool | None = None  # None: bf16 autocast where the CPU has native bf16 (AMX / AVX512-BF16), else fp32
    vq: VQConfig = field(default_factory=VQConfig)
    prior: PriorConfig = field(default_factory=PriorConfig)
    clip: ClipConfig = field(default_factory=ClipConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)

    def to_dict(self) -> dict:
        return asdict(self)


def full(seed: int = 1234) -> LabConfig:
    return LabConfig(seed=seed)


def smoke(seed: int = 1234) -> LabConfig:
    c = LabConfig(seed=seed, smoke=True, vocab_size=1200, tokenizer_captions=3000, checkpoint_every=10)
    c.vq = VQConfig(codebook_size=1024, hidden=32, steps=20, batch=8)
    c.prior = PriorConfig(d_model=64, layers=2, heads=4, kv_heads=2, steps=20, batch=4)
    c.clip = ClipConfig(embed_dim=32, d_text=32, text_layers=1, image_width=8, steps=20, batch=16)
    c.eval = EvalConfig(prompts=1, samples=2, batch_prompts=2, judge_images=20, clip_queries=10, vq_images=16)
    return c
