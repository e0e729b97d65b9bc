"""VQ image tokenizer: 128×128 RGB -> 16×16 codes (8× down) -> 128×128 RGB.

Encoder: a 4×4 patchify to 32×32, a residual block, a 2×2 downsample to the 16×16 grid and two more blocks.
Decoder: three residual blocks on the grid (each code sees its neighbours: that is what draws edges across
code borders), a 2× pixel-shuffle to 32×32 with one block there, then a 4× pixel-shuffle to pixels.
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
        h, K, D, h2 = cfg.hidden, cfg.codebook_size, cfg.code_dim, cfg.hidden // 2
        self.cfg = cfg
        self.enc = nn.Sequential(
            nn.Conv2d(3, h2, 4, stride=4), ResBlock(h2),  # (B,h/2,32,32)
            nn.Conv2d(h2, h, 2, stride=2), ResBlock(h), ResBlock(h),  # (B,h,16,16)
            nn.GELU(), nn.Conv2d(h, D, 1))
        self.dec = nn.Sequential(
            nn.Conv2d(D, h, 1), ResBlock(h), ResBlock(h), ResBlock(h),  # (B,h,16,16)
            nn.GELU(), nn.Conv2d(h, h2 * 4, 1), nn.PixelShuffle(2), ResBlock(h2),  # (B,h/2,32,32)
            nn.GELU(), nn.Conv2d(h2, 3 * 16, 1), nn.PixelShuffle(4))  # (B,3,128,128)
        self.register_buffer("codebook", torch.randn(K, D) * 0.1)
        self.register_buffer("ema_count", torch.ones(K))
        self.register_buffer("ema_sum", self.codebook.clone())
        self.decay = 0.95

    def encode_latent(self, images):  # images (B,3,128,128) in [0,1]
        z = self.enc(images * 2 - 1)  # (B,D,16,16)
        # Low-dimensional, l2-normalised codes (as in ViT-VQGAN / LlamaGen): lookup by cosine similarity uses
        # the whole codebook and reconstructs far better than raw 32-d vectors did here.
        return F.normalize(z, dim=1) if self.cfg.l2 else z

    def quantize(self, z):
        B, D, H, W = z.shape
        flat = z.permute(0, 2, 3, 1).reshape(-1, D).float()  # (B*H*W, D)
        d = (flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.codebook.t() + self.codebook.pow(2).sum(1)[None])
        codes = d.argmin(1)
        return codes.view(B, H, W), flat

    def encode(self, images):  # -> (B,16,16) int64
        return self.quantize(self.encode_latent(images))[0]

    def decode(self, codes):  # codes (B,16,16) int64 -> (B,3,128,128) in [0,1]
        q = F.embedding(codes, self.codebook).permute(0, 3, 1, 2)  # (B,D,16,16)
        return torch.clamp(self.dec(q) * 0.5 + 0.5, 0, 1)

    def forward(self, images):
        """Training step: returns (reconstruction pre-clamp, loss, codes)."""
        z = self.encode_latent(images)
        codes, flat = self.quantize(z)
        q = F.embedding(codes, self.codebook).permute(0, 3, 1, 2)
        commit = F.mse_loss(z.float(), q.detach())
        zq = z + (q - z).detach()  # straight-through estimator
        recon = (self.dec(zq) * 0.5 + 0.5).float()
        # L1 beside MSE keeps small flat details (an eye, a stripe) that MSE alone averages away.
        loss = F.mse_loss(recon, images) + 0.5 * F.l1_loss(recon, images) + 0.25 * commit
        if self.training:
            self._ema_update(codes.view(-1), flat.detach())
        return recon, loss, codes

    @torch.no_grad()
    def _ema_update(self, codes, flat):
        K = self.codebook.shape[0]
        onehot = F.one_hot(codes, K).type_as(flat)  # (N,K)
        self.ema_count.mul_(self.decay).add_(onehot.sum(0), alpha=1 - self.decay)
        self.ema_sum.mul_(self.decay).add_(onehot.t() @ flat, alpha=1 - self.decay)
        cb = self.ema_sum / self.ema_count.clamp(min=1e-5)[:, None]
        self.codebook.copy_(F.normalize(cb, dim=1) if self.cfg.l2 else cb)
        dead = self.ema_count < 0.03  # restart codes nobody uses onto random current encodings
        if dead.any():
            idx = torch.randint(0, flat.shape[0], (int(dead.sum()),))
            fresh = flat[idx] + 1e-3 * torch.randn_like(flat[idx])
            self.codebook[dead] = F.normalize(fresh, dim=1) if self.cfg.l2 else fresh
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
