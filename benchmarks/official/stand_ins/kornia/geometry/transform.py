"""kornia.geometry.transform.hflip and rotate (about the image centre, bilinear, align_corners=True), as RegAD's
official utils/funcs.py calls them to augment its support set."""
import math

import torch
import torch.nn.functional as F


def hflip(input):
    return input.flip(-1)


def rotate(tensor, angle, center=None, mode="bilinear", padding_mode="zeros", align_corners=True):
    if center is not None:
        raise NotImplementedError("kornia stand-in: rotate about a given centre is not covered")
    b, _, h, w = tensor.shape
    angle = torch.as_tensor(angle, dtype=tensor.dtype).reshape(-1).expand(b)
    # kornia rotates counter-clockwise by `angle` degrees about the centre; in the normalised coordinates of
    # affine_grid (which maps output to input) that is the inverse rotation, corrected for the aspect ratio.
    radians = angle * math.pi / 180.0
    cos, sin = torch.cos(radians), torch.sin(radians)
    theta = torch.zeros(b, 2, 3, dtype=tensor.dtype)
    theta[:, 0, 0] = cos
    theta[:, 0, 1] = sin * h / w
    theta[:, 1, 0] = -sin * w / h
    theta[:, 1, 1] = cos
    grid = F.affine_grid(theta, list(tensor.shape), align_corners=align_corners)
    return F.grid_sample(tensor, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
