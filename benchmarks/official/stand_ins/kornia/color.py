"""kornia.color.rgb_to_grayscale: ITU-R 601 weights, one channel out (kornia 0.6)."""


def rgb_to_grayscale(image):
    r, g, b = image[..., 0:1, :, :], image[..., 1:2, :, :], image[..., 2:3, :, :]
    return 0.299 * r + 0.587 * g + 0.114 * b
