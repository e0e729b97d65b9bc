"""Tessera model lab: shapes-world data, VQ tokenizer, text-to-image prior, CLIP, export and evaluation."""
