"""Stand-in for einops.rearrange: only the three patterns CFA's official utils/cfa.py uses (see ../README.md)."""


def rearrange(tensor, pattern, **axes):
    pattern = " ".join(pattern.split())
    if pattern == "b c h w -> (b h w) c":
        return tensor.permute(0, 2, 3, 1).reshape(-1, tensor.shape[1])
    if pattern == "b c h w -> b (h w) c":
        return tensor.permute(0, 2, 3, 1).reshape(tensor.shape[0], -1, tensor.shape[1])
    if pattern == "b (h w) c -> b c h w":
        b, hw, c = tensor.shape
        h = axes["h"]
        return tensor.reshape(b, h, hw // h, c).permute(0, 3, 1, 2)
    raise NotImplementedError(f"einops stand-in: pattern '{pattern}' is not covered")
