"""Stand-in for torchsummary: SSM's models/unet_multi.py imports summary for its __main__ block only."""


def summary(*args, **kwargs):
    raise NotImplementedError("torchsummary stand-in: summary() is not used by time_official.py")
