"""int8 linear layers for the transformers backend on the CPU, quantised row by row.

PyTorch's ``quantize_dynamic`` scales a layer's input by one number for the whole tensor, that
is for every chunk of the batch and its padding together, so a chunk's output would depend on
what it was batched with.  Here each input row (one token of one chunk) gets its own scale,
weights get one per output channel (as CTranslate2 does), and the int8 product is exact in
int32: a chunk's output is the same alone or in any batch.  Imported by the engine only.
"""

from __future__ import annotations

import torch


class RowInt8Linear(torch.nn.Module):
    """``torch.nn.Linear`` with int8 weights (per output channel) and int8 inputs (per row)."""

    def __init__(self, linear: torch.nn.Linear) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127.0
        quantised = torch.round(weight / scale[:, None]).clamp(-127, 127).to(torch.int8)
        # Kept as (out, in) and handed over transposed: oneDNN's int8 GEMM is about 2.5x
        # faster with that layout than with an (in, out) copy.  Named ``weight`` as in nn.Linear:
        # models read its dtype (T5 casts its input to it, except for int8).
        self.register_buffer("weight", quantised.contiguous())
        self.register_buffer("weight_scale", scale)
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().float())
        self.in_features, self.out_features = linear.in_features, linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, self.in_features).float()
        scale = rows.abs().amax(dim=1, keepdim=True).clamp_(min=1e-12).div_(127.0)
        quantised = torch.round(rows / scale).clamp_(-127, 127).to(torch.int8)
        out = torch._int_mm(quantised, self.weight.t()).float().mul_(scale).mul_(self.weight_scale)
        if self.bias is not None:
            out.add_(self.bias)
        return out.reshape(*x.shape[:-1], self.out_features).to(x.dtype)


def quantise_linears(module: torch.nn.Module) -> int:
    """Replace every ``nn.Linear`` under ``module`` in place; how many were replaced."""
    count = 0
    for name, child in list(module.named_children()):
        if isinstance(child, torch.nn.Linear):
            setattr(module, name, RowInt8Linear(child))
            count += 1
        else:
            count += quantise_linears(child)
    return count
