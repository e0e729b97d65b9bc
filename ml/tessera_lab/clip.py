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

    def forward(self, input_ids, attention_mask):  # (B,TEXT_LEN) int64 each -> (B,E)
        m = attention_mask.to(torch.float32)
        x = self.tok(input_ids) + self.pos
        bias = ((1.0 - m) * -1e9)[:, None, None, :]
        for b in self.blocks:
            x = b(x, bias)
        x = self.ln(x)
        pooled = (x * m[..., None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1.0)
        return self.proj(pooled)


def _conv(a: int, b: int, stride: int = 1, k: int = 3) -> list[nn.Module]:
    # BatchNorm: without it the contrastive loss sat on its collapse plateau for hundreds of steps.
    return [nn.Conv2d(a, b, k, stride=stride, padding=(k - 1) // 2 if stride == 1 else (k - stride) // 2),
            nn.BatchNorm2d(b), nn.GELU()]


class ImageEncoder(nn.Module):
    def __init__(self, cfg: ClipConfig):
        super().__init__()
        w = cfg.image_width
        self.conv = nn.Sequential(
            *_conv(3, w, stride=4, k=4),  # 128 -> 32: a sticker's 8-px code cell is a 2x2 patch here
            *_conv(w, w),
            *_conv(w, 2 * w, stride=2, k=4), *_conv(2 * w, 2 * w),  # -> 16
            *_conv(2 * w, 4 * w, stride=2, k=4), *_conv(4 * w, 4 * w),  # -> 8
            *_conv(4 * w, 4 * w, stride=2, k=4))  # -> 4
        side = IMAGE_SIZE // 32
        # Flatten (not global-pool) so the embedding keeps *where* things are: position is an attribute.
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * w * side * side, 384), nn.GELU(), nn.Linear(384, cfg.embed_dim))

    def forward(self, pixel_values):  # (B,3,128,128) normalised -> (B,E)
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
        """Symmetric InfoNCE. The batch holds scenes and their one-change twins (image and caption), so every
        scene's hardest negatives are in it on both sides; optional extra negative captions join the text side."""
        img = F.normalize(self.vision(self.normalise_pixels(images)).float(), dim=-1)
        all_ids = text_ids if neg_text_ids is None else torch.cat([text_ids, neg_text_ids])
        txt = F.normalize(self.text(all_ids, (all_ids != 0).long()).float(), dim=-1)
        scale = self.logit_scale.clamp(max=math.log(100)).exp()
        logits = scale * img @ txt.t()  # (B, B or 2B)
        target = torch.arange(images.shape[0])
        return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits[:, : len(text_ids)].t(), target))


def attention_mask_of(ids: torch.Tensor) -> torch.Tensor:
    return (ids != 0).long()  # PAD id is 0
