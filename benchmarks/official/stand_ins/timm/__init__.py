"""Stand-in for timm: PatchCore's official backbones.py imports it for backbones this comparison does not build."""


def create_model(*args, **kwargs):
    raise NotImplementedError("timm stand-in: no timm backbone is used by time_official.py")
