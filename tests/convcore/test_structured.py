"""convcore.structured: the convolutional part on larger images, global average pooling, and a
class map that equals sliding the network over the image (Goodfellow 9.6–9.7)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from convcore.lenet import builtin_network
from convcore.network import from_pytorch
from convcore.structured import (
    class_map,
    convolutional_part,
    convolutionalize,
    gap_class_maps,
    pixel_class_map,
    sliding_window_outputs,
    total_stride,
)


def network_of(model: nn.Module, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    model = model.double()
    with torch.no_grad():
        for value in model.state_dict().values():
            if value.is_floating_point():
                value.copy_(torch.randn(value.shape, generator=g, dtype=value.dtype) * 0.5)
    return from_pytorch(str(model), {k: v.numpy() for k, v in model.state_dict().items()})


def unpadded_lenet(softmax: bool = False):
    """LeNet without padding: sliding it over crops is exactly a convolutional pass."""
    layers = [nn.Conv2d(1, 3, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(3, 4, 3), nn.Tanh(),
              nn.AvgPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 10), nn.ReLU(),
              nn.Dropout(), nn.Linear(10, 3)]
    return nn.Sequential(*layers, *([nn.Softmax(dim=1)] if softmax else []))


@pytest.fixture(scope="module")
def lenet():
    return builtin_network()


def test_convolutional_part_grows_with_the_image(lenet):
    conv = convolutional_part(lenet)
    assert [layer.kind for layer in conv.layer_list] == ["Conv2d", "ReLU", "MaxPool2d",
                                                         "Conv2d", "ReLU", "MaxPool2d"]
    assert conv.output_shapes((1, 28, 28))[-1] == (16, 5, 5)
    assert conv.output_shapes((1, 56, 84))[-1] == (16, 12, 19)
    with pytest.raises(ValueError, match=r"layer 7: Linear\(in_features=400.*trained for"):
        lenet.forward(np.zeros((1, 56, 84)))


def test_total_stride(lenet):
    assert total_stride(lenet) == (4, 4)


@pytest.mark.parametrize("softmax", [False, True], ids=["scores", "softmax"])
def test_convolutionalized_network_equals_sliding_windows(softmax):
    net = network_of(unpadded_lenet(softmax))
    image = np.random.default_rng(1).normal(size=(1, 30, 34))
    full = convolutionalize(net, (26, 26))
    assert [layer.kind for layer in full.layer_list][6:] == ["Conv2d", "ReLU", "Dropout",
                                                            "Conv2d", *(["Softmax"] * softmax)]
    slid = sliding_window_outputs(net, image, (26, 26), total_stride(net))
    assert slid.shape == (3, 2, 3)
    np.testing.assert_allclose(full(image), slid, rtol=1e-10, atol=1e-12)


def test_convolutionalized_network_on_the_training_size_is_the_network(lenet):
    x = np.random.default_rng(2).uniform(size=(1, 28, 28)).astype(np.float32)
    full = convolutionalize(lenet, (28, 28))
    assert full.layers[6] == "6: Conv2d(16, 120, kernel_size=(5, 5), stride=(1, 1))"
    np.testing.assert_allclose(full(x)[:, 0, 0], lenet(x), rtol=1e-5, atol=1e-5)


def test_padded_network_map_is_sliding_over_crops_with_their_context(lenet):
    """With padding in the first layer, each position sees its real neighbours: the map equals
    the unpadded network slid over (28 + 4)-pixel crops of the zero-padded image."""
    image = np.random.default_rng(6).uniform(size=(1, 36, 40)).astype(np.float32)
    cmap = class_map(lenet, image, (28, 28))
    specs = [(layer.kind, layer.args, dict(layer.options), dict(layer.tensors))
             for layer in lenet.layer_list]
    specs[0][2]["padding"] = (0, 0)
    from convcore.network import network_from_layers

    unpadded = network_from_layers(specs, dtype=np.float32)
    context = np.pad(image, ((0, 0), (2, 2), (2, 2)))
    slid = sliding_window_outputs(unpadded, context, (32, 32), (4, 4))
    assert slid.shape == cmap.scores.shape == (5, 3, 4)
    np.testing.assert_allclose(cmap.scores, slid, rtol=1e-4, atol=1e-4)


def test_class_map_of_a_scene(lenet):
    from convcore.datasets import make_scene

    scene = make_scene(56, 84, seed=3)
    cmap = class_map(lenet, scene.image, (28, 28))
    assert cmap.scores.shape == (5, 8, 15) and cmap.stride == (4, 4)
    np.testing.assert_allclose(cmap.probabilities.sum(axis=0), 1, rtol=1e-6)
    # the windows that sit exactly on the scene's cells give the class the network gives the
    # cell cropped on its own (the 2-pixel context its padding sees instead of zeros changes
    # the scores a little, not the answer here)
    for k in range(len(scene.shapes)):
        top, left = 28 * (k // 3), 28 * (k % 3)
        crop = scene.image[:, top:top + 28, left:left + 28]
        assert cmap.best[top // 4, left // 4] == lenet(crop).argmax()
    assert cmap.window_box(1, 2) == (4, 8, 31, 35)


def test_pixel_class_map_averages_the_windows_over_each_pixel():
    net = network_of(unpadded_lenet())
    image = np.random.default_rng(4).normal(size=(1, 30, 34))
    cmap = class_map(net, image, (26, 26))
    assert cmap.probabilities.shape == (3, 2, 3)
    pixels = pixel_class_map(cmap, image.shape[1:])
    assert pixels.shape == (3, 30, 34)
    np.testing.assert_allclose(pixels[:, 0, 0], cmap.probabilities[:, 0, 0])
    np.testing.assert_allclose(pixels[:, 29, 33], cmap.probabilities[:, -1, -1])
    # pixel (5, 9) lies in the windows starting at rows 0, 4 and columns 0, 4, 8
    np.testing.assert_allclose(pixels[:, 5, 9], cmap.probabilities.mean(axis=(1, 2)))
    np.testing.assert_allclose(pixels.sum(axis=0), 1)


def test_gap_network_takes_any_size():
    gap = builtin_network("gap")
    for size in [(28, 28), (40, 60), (84, 56)]:
        image = np.random.default_rng(5).uniform(size=(1, *size)).astype(np.float32)
        maps, scores = gap_class_maps(gap, image)
        assert maps.shape[0] == 5 and maps.shape[1:] == gap.output_shapes((1, *size))[7][1:]
        np.testing.assert_allclose(maps.mean(axis=(1, 2)), scores, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("call", "message"), [
    pytest.param(lambda net: convolutionalize(net, (30, 30)),
                 r"first Linear takes 64 values, but a 30×30 input gives 4×5×5 = 100",
                 id="wrong-training-size"),
    pytest.param(lambda net: gap_class_maps(net, np.zeros((1, 22, 22))),
                 r"no global average pooling", id="no-gap"),
    pytest.param(lambda net: sliding_window_outputs(net, np.zeros((1, 20, 30)), (22, 22), (4, 4)),
                 r"smaller than one 22×22 window", id="image-too-small"),
])
def test_structured_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call(network_of(unpadded_lenet()))


def test_convolutionalize_needs_flatten_and_linear():
    net = network_of(nn.Sequential(nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                   nn.Linear(2, 2)))
    with pytest.raises(ValueError, match=r"followed by\s+Flatten"):
        convolutionalize(net, (8, 8))
