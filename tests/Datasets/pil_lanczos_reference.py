#!/usr/bin/python3
"""Reference values for PipelineTests.LanczosResizeMatchesPil* (tests/Datasets/PipelineTests.cs).

Prints, for each case, PIL's Image.resize(..., Image.LANCZOS) of a small RGB test image as C# array literals
(channel-major, [3, H, W]). CFA's official loader resizes with Image.ANTIALIAS, which is LANCZOS. Run with
Pillow installed (Debian: apt-get install python3-pil) and paste the output into the test; CI does not need PIL.
"""
import PIL
from PIL import Image


def pattern(height, width):
    """The test image: value ((7i + 13j + 29c) * 37) mod 256, high contrast so that Lanczos rings and clips."""
    image = Image.new("RGB", (width, height))
    image.putdata([tuple(((7 * i + 13 * j + 29 * c) * 37) % 256 for c in range(3))
                   for i in range(height) for j in range(width)])
    return image


def channel_major(image):
    width, height = image.size
    pixels = list(image.getdata())
    return [pixels[i * width + j][c] for c in range(3) for i in range(height) for j in range(width)]


CASES = [  # name, input (height, width), output (height, width)
    ("Down", (11, 13), (4, 5)),
    ("Up", (5, 7), (9, 12)),
    ("WidthOnly", (11, 13), (11, 6)),
]

print(f"// Pillow {PIL.__version__}")
for name, (h, w), (oh, ow) in CASES:
    out = pattern(h, w).resize((ow, oh), Image.LANCZOS)
    print(f"// {name}: {h}x{w} -> {oh}x{ow}")
    print(f"private static readonly byte[] s_lanczos{name} = [{', '.join(map(str, channel_major(out)))}];")
