"""VQ image tokenizer: 64x64 RGB -> 16x16 codes -> 64x64 RGB.

Patchify (4x4, stride 4) + a small conv stack on the 16x16 grid keeps it cheap on a CPU; the decoder's
3x3 convs give each code its neighbours' context, which is what renders anti-aliased edges.
Codebook: EMA k-means updates (no codebook gradient) with dead-code restarts, which keeps usage high.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import VQConfig


class ResBlock(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(ch, ch, 3, padding=1), nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return x + self.c2(F.gelu(self.c1(F.gelu(x))))


class VQ(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        h, K, D = cfg.hidden, cfg.codebook_size, cfg.code_dim
        self.cfg = cfg
        self.enc = nn.Sequential(nn.Conv2d(3, h, 4, stride=4), ResBlock(h), nn.GELU(), nn.Conv2d(h, D, 1))
        # All decoder work happens on the 16x16 grid; PixelShuffle turns 48 channels into a 4x4 RGB patch.
        self.dec = nn.Sequential(nn.Conv2d(D, h, 1), ResBlock(h), ResBlock(h), nn.GELU(),
                                 nn.Conv2d(h, 3 * 16, 1), nn.PixelShuffle(4))
        self.register_buffer("codebook", torch.randn(K, D) * 0.1)
        self.register_buffer("ema_count", torch.ones(K))
        self.register_buffer("ema_sum", self.codebook.clone())
        self.decay = 0.95

    def encode_latent(self, images):  # images (B,3,64,64) in [0,1]
        return self.enc(images * 2 - 1)  # (B,D,16,16)

    def quantize(self, z):
        B, D, H, W = z.shape
        flat = z.permute(0, 2, 3, 1).reshape(-1, D)  # (B*H*W, D)
        d = (flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.codebook.t() + self.codebook.pow(2).sum(1)[None])
        codes = d.argmin(1)
        return codes.view(B, H, W), flat

    def encode(self, images):  # -> (B,16,16) int64
        return self.quantize(self.encode_latent(images))[0]

    def decode(self, codes):  # codes (B,16,16) int64 -> (B,3,64,64) in [0,1]
        q = F.embedding(codes, self.codebook).permute(0, 3, 1, 2)  # (B,D,16,16)
        return torch.clamp(self.dec(q) * 0.5 + 0.5, 0, 1)

    def forward(self, images):
        """Training step: returns (reconstruction pre-clamp, loss, codes)."""
        z = self.encode_latent(images)
        codes, flat = self.quantize(z)
        q = F.embedding(codes, self.codebook).permute(0, 3, 1, 2)
        commit = F.mse_loss(z, q.detach())
        zq = z + (q - z).detach()  # straight-through estimator
        recon = self.dec(zq) * 0.5 + 0.5
        loss = F.mse_loss(recon, images) + 0.25 * commit
        if self.training:
            self._ema_update(codes.view(-1), flat.detach())
        return recon, loss, codes

    @torch.no_grad()
    def _ema_update(self, codes, flat):
        K = self.codebook.shape[0]
        onehot = F.one_hot(codes, K).type_as(flat)  # (N,K)
        self.ema_count.mul_(self.decay).add_(onehot.sum(0), alpha=1 - self.decay)
        self.ema_sum.mul_(self.decay).add_(onehot.t() @ flat, alpha=1 - self.decay)
        self.codebook.copy_(self.ema_sum / self.ema_count.clamp(min=1e-5)[:, None])
        dead = self.ema_count < 0.03  # restart codes nobody uses onto random current encodings
        if dead.any():
            idx = torch.randint(0, flat.shape[0], (int(dead.sum()),))
            self.codebook[dead] = flat[idx] + 1e-3 * torch.randn_like(flat[idx])
            self.ema_sum[dead] = self.codebook[dead]
            self.ema_count[dead] = 1.0


class VQEncoderExport(nn.Module):
    def __init__(self, vq: VQ):
        super().__init__()
        self.vq = vq

    def forward(self, images):
        return self.vq.encode(images)


class VQDecoderExport(nn.Module):
    def __init__(self, vq: VQ):
        super().__init__()
        self.vq = vq

    def forward(self, codes):
        return self.vq.decode(codes)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = F.mse_loss(a.clamp(0, 1), b).item()
    return 10 * torch.log10(torch.tensor(1.0 / max(mse, 1e-12))).item()
