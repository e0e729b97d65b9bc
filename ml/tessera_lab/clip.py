"""Tiny CLIP: a bidirectional text transformer (masked mean pool) and a CNN image encoder projected into a
shared space, trained with the symmetric contrastive loss and a learned temperature."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import IMAGE_SIZE, TEXT_LEN, ClipConfig

MEAN = (0.5, 0.5, 0.5)
STD = (0.25, 0.25, 0.25)


class TextBlock(nn.Module):
    def __init__(self, d: int, heads: int = 4):
        super().__init__()
        self.h, self.hd = heads, d // heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, bias):  # x (B,T,d), bias (B,1,1,T)
        B, T, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)  # (B, nh, T, hs)
        att = F.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.hd) + bias, -1)
        x = x + self.o((att @ v).transpose(1, 2).reshape(B, T, d))
        return x + self.mlp(self.ln2(x))


class TextEncoder(nn.Module):
    def __init__(self, cfg: ClipConfig, vocab: int):
        super().__init__()
        d = cfg.d_text
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Parameter(torch.zeros(1, TEXT_LEN, d))
        self.blocks = nn.ModuleList(TextBlock(d) for _ in range(cfg.text_layers))
        self.ln = nn.LayerNorm(d)
        self.proj = nn.Linear(d, cfg.embed_dim)

    def forward(self, input_ids, attention_mask):  # (B,32) int64 each -> (B,E)
        m = attention_mask.to(torch.float32)
        x = self.tok(input_ids) + self.pos
        bias = ((1.0 - m) * -1e9)[:, None, None, :]
        for b in self.blocks:
            x = b(x, bias)
        x = self.ln(x)
        pooled = (x * m[..., None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1.0)
        return self.proj(pooled)


class ImageEncoder(nn.Module):
    def __init__(self, cfg: ClipConfig):
        super().__init__()
        c = [3, 24, 48, 96, 128]
        layers = []
        for i, (a, b) in enumerate(zip(c, c[1:])):  # 64 -> 32 -> 16 -> 8 -> 4
            # BatchNorm: without it the contrastive loss sat on its collapse plateau for hundreds of steps.
            layers += [nn.Conv2d(a, b, 3, stride=2, padding=1), nn.BatchNorm2d(b), nn.GELU()]
            if i > 0:  # no extra conv at 32x32: it would be most of the CPU cost
                layers += [nn.Conv2d(b, b, 3, padding=1), nn.BatchNorm2d(b), nn.GELU()]
        self.conv = nn.Sequential(*layers)
        side = IMAGE_SIZE // 16
        # Flatten (not global-pool) so the embedding keeps *where* things are: position is an attribute.
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(128 * side * side, 256), nn.GELU(), nn.Linear(256, cfg.embed_dim))

    def forward(self, pixel_values):  # (B,3,64,64) normalised -> (B,E)
        return self.head(self.conv(pixel_values))


class CLIP(nn.Module):
    def __init__(self, cfg: ClipConfig, vocab: int):
        super().__init__()
        self.text, self.vision = TextEncoder(cfg, vocab), ImageEncoder(cfg)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    @staticmethod
    def normalise_pixels(images):  # [0,1] -> (x-mean)/std
        mean = torch.tensor(MEAN).view(1, 3, 1, 1)
        std = torch.tensor(STD).view(1, 3, 1, 1)
        return (images - mean) / std

    def loss(self, images, text_ids, neg_text_ids=None):
        """Symmetric InfoNCE; optional hard-negative captions (one attribute changed) join the text side."""
        img = F.normalize(self.vision(self.normalise_pixels(images)), dim=-1)
        all_ids = text_ids if neg_text_ids is None else torch.cat([text_ids, neg_text_ids])
        txt = F.normalize(self.text(all_ids, (all_ids != 0).long()), dim=-1)
        scale = self.logit_scale.clamp(max=math.log(100)).exp()
        logits = scale * img @ txt.t()  # (B, B or 2B)
        target = torch.arange(images.shape[0])
        return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits[:, : len(text_ids)].t(), target))


def attention_mask_of(ids: torch.Tensor) -> torch.Tensor:
    return (ids != 0).long()  # PAD id is 0
