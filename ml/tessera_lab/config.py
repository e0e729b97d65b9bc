"""All knobs in one place. `full()` is the shipped recipe, `smoke()` runs every stage in well under 2 minutes."""
from dataclasses import asdict, dataclass, field

IMAGE_SIZE = 64
GRID = 16  # VQ grid rows == cols; the VQ downsamples by IMAGE_SIZE // GRID = 4
TEXT_LEN = 32  # [BOS] + up to 30 words + [EOS], right-padded with [PAD]


@dataclass
class VQConfig:
    codebook_size: int = 512
    code_dim: int = 32
    hidden: int = 64
    steps: int = 6000
    batch: int = 32
    lr: float = 2e-3
    budget_s: float = 480.0  # wall-clock cap; the LR schedule follows max(step, time) progress


@dataclass
class PriorConfig:
    d_model: int = 128  # below the 192 suggested: on this CPU training tokens, not capacity, are the limit
    layers: int = 4
    heads: int = 4
    kv_heads: int = 2
    steps: int = 20000
    batch: int = 16
    lr: float = 2e-3
    caption_dropout: float = 0.15
    budget_s: float = 3600.0


@dataclass
class ClipConfig:
    embed_dim: int = 128
    d_text: int = 96
    text_layers: int = 2
    steps: int = 6000
    batch: int = 64
    lr: float = 1e-3
    budget_s: float = 600.0


@dataclass
class EvalConfig:
    single_seen: int = 80
    single_heldout: int = 60
    two_object: int = 60
    samples: int = 8
    guidances: tuple[float, ...] = (1.0, 1.5, 3.0)  # the first is the shipped default
    batch_prompts: int = 4
    judge_images: int = 500
    clip_queries: int = 300


@dataclass
class LabConfig:
    seed: int = 1234
    train_scenes: int = 30000
    smoke: bool = False
    threads: int = 2
    vq: VQConfig = field(default_factory=VQConfig)
    prior: PriorConfig = field(default_factory=PriorConfig)
    clip: ClipConfig = field(default_factory=ClipConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)

    def to_dict(self) -> dict:
        return asdict(self)


def full(seed: int = 1234) -> LabConfig:
    return LabConfig(seed=seed)


def smoke(seed: int = 1234) -> LabConfig:
    c = LabConfig(seed=seed, train_scenes=600, smoke=True)
    c.vq = VQConfig(codebook_size=512, steps=40, batch=32, budget_s=15)
    c.prior = PriorConfig(d_model=64, layers=2, heads=4, kv_heads=2, steps=15, batch=8, budget_s=15)
    c.clip = ClipConfig(embed_dim=64, d_text=64, text_layers=1, steps=30, batch=32, budget_s=10)
    c.eval = EvalConfig(single_seen=2, single_heldout=1, two_object=1, samples=2, batch_prompts=4,
                        judge_images=40, clip_queries=20)
    return c
