"""kornia.filters.MedianBlur as kornia 0.6 computes it: a one-hot convolution gathers each k x k neighbourhood
(zero padding), torch.median takes the middle value."""
import torch
import torch.nn.functional as F


def _binary_kernel(window):
    size = window[0] * window[1]
    kernel = torch.zeros(size, size)
    for i in range(size):
        kernel[i, i] = 1.0
    return kernel.view(size, 1, window[0], window[1])


def median_blur(input, kernel_size):
    padding = ((kernel_size[0] - 1) // 2, (kernel_size[1] - 1) // 2)
    kernel = _binary_kernel(kernel_size).to(input)
    b, c, h, w = input.shape
    features = F.conv2d(input.reshape(b * c, 1, h, w), kernel, padding=padding, stride=1)
    features = features.view(b, c, -1, h, w)
    return torch.median(features, dim=2)[0]


class MedianBlur(torch.nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.kernel_size = tuple(kernel_size)

    def forward(self, input):
        return median_blur(input, self.kernel_size)
