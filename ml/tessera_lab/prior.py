"""Decoder-only transformer prior: [TEXT_LEN text tokens][256 image tokens] -> next image code.

One `input_ids` tensor carries both: ids < text_vocab are words, ids >= text_vocab are image codes
(offset by text_vocab), each with its own embedding table. Position p < TEXT_LEN is a text position;
p = TEXT_LEN + row*GRID + col is an image position embedded as row_emb + col_emb (2-D).
Grouped-query attention (kv_heads < heads) keeps the KV cache the runner copies each step small.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import GRID, TEXT_LEN, PriorConfig

NEG = -1e9  # finite "minus infinity": a fully-masked (padding) query row stays finite instead of NaN


class Attention(nn.Module):
    def __init__(self, d: int, heads: int, kv_heads: int):
        super().__init__()
        assert heads % kv_heads == 0
        self.h, self.kvh, self.hd = heads, kv_heads, d // heads
        self.q = nn.Linear(d, d, bias=False)
        self.kv = nn.Linear(d, 2 * kv_heads * self.hd, bias=False)
        self.o = nn.Linear(d, d, bias=False)

    def forward(self, x, bias, past_k=None, past_v=None):
        """x (B,T,d); bias (B,1,T,P+T) additive mask, or None for plain causal attention over x alone (training:
        the fused kernel is ~30% faster); past (B,kvh,P,hd) -> y, present k/v (B,kvh,P+T,hd)."""
        B, T, _ = x.shape
        q = self.q(x).view(B, T, self.h, self.hd).transpose(1, 2)  # (B, nh, T, hs)
        k, v = self.kv(x).view(B, T, 2, self.kvh, self.hd).permute(2, 0, 3, 1, 4)  # each (B, kvh, T, hs)
        if bias is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)  # (B, nh, T, hs)
            return self.o(y.transpose(1, 2).reshape(B, T, -1)), k, v
        if past_k is not None:
            k, v = torch.cat([past_k, k], 2), torch.cat([past_v, v], 2)
        g = self.h // self.kvh
        L = k.shape[2]
        kk = k[:, :, None].expand(B, self.kvh, g, L, self.hd).reshape(B, self.h, L, self.hd)  # (B, nh, L, hs)
        vv = v[:, :, None].expand(B, self.kvh, g, L, self.hd).reshape(B, self.h, L, self.hd)
        att = (q @ kk.transpose(-1, -2)) * (1.0 / math.sqrt(self.hd)) + bias  # (B, nh, T, L)
        y = F.softmax(att, -1) @ vv  # (B, nh, T, hs)
        return self.o(y.transpose(1, 2).reshape(B, T, -1)), k, v


class Block(nn.Module):
    def __init__(self, d, heads, kv_heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = Attention(d, heads, kv_heads)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, bias, pk=None, pv=None):
        a, k, v = self.attn(self.ln1(x), bias, pk, pv)
        x = x + a
        return x + self.mlp(self.ln2(x)), k, v


class Prior(nn.Module):
    def __init__(self, cfg: PriorConfig, text_vocab: int, codebook: int):
        super().__init__()
        self.cfg, self.text_vocab, self.codebook = cfg, text_vocab, codebook
        d = cfg.d_model
        self.text_emb, self.img_emb = nn.Embedding(text_vocab, d), nn.Embedding(codebook, d)
        self.text_pos, self.row_emb, self.col_emb = nn.Embedding(TEXT_LEN, d), nn.Embedding(GRID, d), nn.Embedding(GRID, d)
        self.blocks = nn.ModuleList(Block(d, cfg.heads, cfg.kv_heads) for _ in range(cfg.layers))
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, codebook, bias=False)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)

    def embed(self, ids, pos):
        is_img = ids >= self.text_vocab
        tok = torch.where(is_img[..., None], self.img_emb((ids - self.text_vocab).clamp(0, self.codebook - 1)),
                          self.text_emb(ids.clamp(0, self.text_vocab - 1)))
        k = (pos - TEXT_LEN).clamp(0, GRID * GRID - 1)
        is_img_pos = pos >= TEXT_LEN
        p = torch.where(is_img_pos[..., None], self.row_emb(k // GRID) + self.col_emb(k % GRID),
                        self.text_pos(pos.clamp(0, TEXT_LEN - 1)))
        return tok + p  # (B,T,d)

    def forward(self, ids, attention_mask, position_ids, past=None):
        """ids/position_ids (B,T); attention_mask (B,P+T), or None for causal over ids alone; past: list of (k,v)
        per layer or None. Returns hidden (B,T,d) and presents."""
        B, T = ids.shape
        if attention_mask is None:
            assert past is None
            bias = None
        else:
            L = attention_mask.shape[1]
            P = L - T
            i = torch.arange(T, device=ids.device)[:, None] + P
            j = torch.arange(L, device=ids.device)[None, :]
            allowed = (j <= i)[None] & (attention_mask[:, None, :] > 0)  # (B,T,L) causal and not padding
            bias = torch.where(allowed, 0.0, NEG)[:, None].to(torch.float32)  # (B,1,T,L)
        x = self.embed(ids, position_ids)
        presents = []
        for li, blk in enumerate(self.blocks):
            pk, pv = past[li] if past is not None else (None, None)
            x, k, v = blk(x, bias, pk, pv)
            presents.append((k, v))
        return self.ln_f(x), presents

    def logits(self, h):
        return self.head(h)  # (..., codebook)

    def train_loss(self, text_ids, codes):
        """text_ids (B,TEXT_LEN), codes (B,256). Cross-entropy of every image token (only those: the caption is
        given, never predicted) given text + previous codes. Text [PAD] slots are attended like any token, as the
        runner feeds them (attention_mask 1)."""
        B = text_ids.shape[0]
        ids = torch.cat([text_ids, codes[:, :-1] + self.text_vocab], 1)  # (B, TEXT_LEN+255)
        pos = torch.arange(ids.shape[1])[None].expand(B, -1)
        h, _ = self(ids, None, pos)
        logits = self.logits(h[:, TEXT_LEN - 1:]).float()  # (B,256,K): the last text position predicts code 0
        return F.cross_entropy(logits.reshape(-1, self.codebook), codes.reshape(-1))


class PriorExport(nn.Module):
    """ONNX wrapper with Optimum-style names: logits for the last position only, over image codes."""

    def __init__(self, prior: Prior):
        super().__init__()
        self.prior = prior

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        n = len(self.prior.blocks)
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(n)]
        h, presents = self.prior(input_ids, attention_mask, position_ids, past)
        logits = self.prior.logits(h[:, -1:])  # (B,1,K)
        return (logits, *[t for kv in presents for t in kv])


def static_cache_length(prior: Prior) -> int:
    """Slots a static cache needs: every token a generation feeds (the caption, then every image code but the
    last, which is sampled and never fed back). Read from the position tables, so a bigger model just works."""
    return prior.text_pos.num_embeddings + prior.row_emb.num_embeddings * prior.col_emb.num_embeddings - 1


class PriorStaticCacheExport(nn.Module):
    """ONNX wrapper for a preallocated (static) KV cache, min-dalle style.

    Inputs: input_ids/position_ids (B,T), attention_mask (B,S+T) whose first S columns say which cache slots
    hold real tokens, past k/v per layer (B,kvh,S,hd) with S fixed. Outputs: logits for the last position
    (B,1,K) and present k/v of the T new tokens only (B,kvh,T,hd); the caller writes them into its slots.

    Same maths as Prior.forward over [past; new], but attention is computed against the cache and the new
    tokens separately (scores concatenated, not K/V), and grouped-query heads share K/V by reshaping q
    instead of expanding K/V, so nothing of size S is copied inside the graph: a step reads the cache once.
    """

    def __init__(self, prior: Prior):
        super().__init__()
        self.prior = prior

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        p = self.prior
        B, T = input_ids.shape
        S = past_flat[0].shape[2]
        i = torch.arange(T, device=input_ids.device)
        causal = (i[None, :] <= i[:, None])[None]  # (1,T,T): new token t sees new tokens <= t
        new_ok = causal & (attention_mask[:, None, S:] > 0)  # (B,T,T)
        past_ok = attention_mask[:, None, :S] > 0  # (B,1,S): real slots, visible to every new token
        bias_new = torch.where(new_ok, 0.0, NEG).to(torch.float32)[:, None, None]  # (B,1,1,T,T)
        bias_past = torch.where(past_ok, 0.0, NEG).to(torch.float32)[:, None, None]  # (B,1,1,1,S)
        x = p.embed(input_ids, position_ids)
        presents = []
        for li, blk in enumerate(p.blocks):
            a, k, v = self._attention(blk.attn, blk.ln1(x), past_flat[2 * li], past_flat[2 * li + 1], bias_past, bias_new)
            x = x + a
            x = x + blk.mlp(blk.ln2(x))
            presents += [k, v]
        logits = p.logits(p.ln_f(x[:, -1:]))  # (B,1,K); ln_f is per position, so slicing first is the same
        return (logits, *presents)

    @staticmethod
    def _attention(attn: Attention, x, past_k, past_v, bias_past, bias_new):
        B, T, _ = x.shape
        kvh, hd, g = attn.kvh, attn.hd, attn.h // attn.kvh
        S = past_k.shape[2]
        # Head n uses kv head n // g (as Attention's expand does): (B,h,T,hd) -> (B,kvh,g*T,hd).
        q = attn.q(x).view(B, T, attn.h, hd).transpose(1, 2).reshape(B, kvh, g * T, hd)
        k, v = attn.kv(x).view(B, T, 2, kvh, hd).permute(2, 0, 3, 1, 4)  # each (B,kvh,T,hd)
        scale = 1.0 / math.sqrt(hd)
        s_past = (q @ past_k.transpose(-1, -2)) * scale  # (B,kvh,g*T,S)
        s_new = (q @ k.transpose(-1, -2)) * scale  # (B,kvh,g*T,T)
        s_past = s_past.view(B, kvh, g, T, S) + bias_past
        s_new = s_new.view(B, kvh, g, T, T) + bias_new
        w = F.softmax(torch.cat([s_past, s_new], -1), -1).view(B, kvh, g * T, S + T)
        y = w[..., :S] @ past_v + w[..., S:] @ v  # (B,kvh,g*T,hd)
        y = y.view(B, attn.h, T, hd).transpose(1, 2).reshape(B, T, -1)
        return attn.o(y), k, v
