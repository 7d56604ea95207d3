#!/usr/bin/env python3
"""Load a mixstream encoder snapshot (.safetensors) into PyTorch.

    import torch, torch.nn.functional as F
    from mixstream_snapshot import load_encoder, preprocess
    model, meta = load_encoder("snapshots/default/step-00001000.safetensors")
    z = F.normalize(model(preprocess(images_uint8_nchw)), dim=1)  # the kNN feature, [n, 128]

The snapshot holds the query encoder with torchvision's ResNet-18 names (conv1, bn1, layer1.0.conv1,
..., fc), so at width 64 torchvision's own model loads it too. With the imagenet stem (`--stem
imagenet`, or `auto` above 64 px) it is torchvision's resnet18 as it is:

    m = torchvision.models.resnet18(num_classes=meta["embedding_dim"])
    m.load_state_dict(read_safetensors(path)[0], strict=True)

and with the cifar stem after two edits:

    m.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False); m.maxpool = torch.nn.Identity()

SimCLR and BYOL snapshots (metadata "feature": "pooled") have no fc: their kNN feature is the
backbone's pooled output, torchvision's resnet18 with `m.fc = torch.nn.Identity()`. Their projector
(and BYOL's predictor) sit beside it under the prefixes the metadata's "heads" names, each an
nn.Sequential(Linear(no bias), BatchNorm1d, ReLU, Linear); `backbone_state` and `head_state` split
them.

No package beyond PyTorch and NumPy is needed (the `safetensors` package reads the file too).
Run `python3 mixstream_snapshot.py --help` for the command-line check.
"""
import argparse
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

NORMALIZATIONS = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)),
    "imagenet": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
}
_DTYPES = {"F32": torch.float32, "I64": torch.int64}


def read_safetensors(path):
    """(state dict, metadata dict) of a safetensors file of F32/I64 tensors."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    state = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + start:base + end]), dtype=_DTYPES[info["dtype"]])
        state[name] = t.reshape(info["shape"])
    return state, meta


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet18(nn.Module):
    """ALGORITHM.md §1.1: widths w, 2w, 4w, 8w and a Linear head; the cifar stem is a 3x3 stride-1
    convolution without max-pool, the imagenet stem torchvision's 7x7 stride-2 and 3x3 max-pool."""

    def __init__(self, width=64, dim=128, stem="cifar"):
        """dim 0: no fc, the pooled features are the output (SimCLR, BYOL)."""
        super().__init__()
        self.imagenet = stem == "imagenet"
        if self.imagenet:
            self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        else:
            self.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        cin = width
        for i in range(4):
            cout = width << i
            stride = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}", nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)))
            cin = cout
        self.fc = nn.Linear(cin, dim) if dim else nn.Identity()

    def features(self, x):
        """layer4's output: the map the attention figure uses."""
        x = F.relu(self.bn1(self.conv1(x)))
        if self.imagenet:
            x = F.max_pool2d(x, 3, 2, 1)
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def forward(self, x):
        return self.fc(self.features(x).mean(dim=(2, 3)))


def heads(meta):
    """The prefixes of the tensors kept beside the backbone ("projector", "predictor")."""
    return [h for h in meta.get("heads", "").split(",") if h]


def backbone_state(state, meta):
    """The backbone's tensors alone: what torchvision's resnet18 loads."""
    return {k: v for k, v in state.items() if k.split(".")[0] not in heads(meta)}


def head_state(state, prefix):
    """One head's tensors, as its nn.Sequential names them (0.weight, 1.running_mean, ...)."""
    return {k[len(prefix) + 1:]: v for k, v in state.items() if k.startswith(prefix + ".")}


def load_encoder(path):
    """The snapshot's encoder in eval mode, and its metadata (step, method, width, config)."""
    state, meta = read_safetensors(path)
    if meta.get("format") != "mixstream-encoder/1":
        raise SystemExit(f"{path}: not a mixstream encoder snapshot (format {meta.get('format')})")
    pooled = meta.get("feature", "fc") == "pooled"
    dim = 0 if pooled else int(meta["embedding_dim"])
    model = ResNet18(int(meta["width"]), dim, meta.get("stem", "cifar"))
    model.load_state_dict(backbone_state(state, meta), strict=True)
    meta = dict(meta, config=json.loads(meta["config"]))
    return model.eval(), meta


def normalization(name):
    """(mean, std) of a snapshot's "normalization": cifar10, imagenet or M1,M2,M3/S1,S2,S3."""
    if name in NORMALIZATIONS:
        return NORMALIZATIONS[name]
    mean, std = name.split("/")
    return tuple(float(v) for v in mean.split(",")), tuple(float(v) for v in std.split(","))


def preprocess(images, norm="cifar10"):
    """uint8 [n, 3, S, S] (planar, the snapshot's image size) to the normalised float input."""
    mean, std = normalization(norm)
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32) / 255.0
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


def main():
    ap = argparse.ArgumentParser(description="Compare a snapshot's PyTorch embeddings with the stream's.")
    ap.add_argument("snapshot", help="step-NNNNNNNN.safetensors")
    ap.add_argument("images", help=".npy of uint8 [n, 3, S, S] images at the snapshot's image_size")
    ap.add_argument("embeddings", help=".npy of float32 [n, dim] embeddings of the same images (e.g. from `mixstream embeddings --npy`)")
    ap.add_argument("--min-cosine", type=float, default=0.9999)
    a = ap.parse_args()
    model, meta = load_encoder(a.snapshot)
    with torch.no_grad():
        mine = F.normalize(model(preprocess(np.load(a.images), meta.get("normalization", "cifar10"))), dim=1)
    theirs = torch.as_tensor(np.load(a.embeddings))
    cos = (mine * F.normalize(theirs, dim=1)).sum(1)
    print(json.dumps({"step": int(meta["step"]), "method": meta["method"], "images": len(cos),
                      "min_cosine": float(cos.min()), "max_abs_diff": float((mine - theirs).abs().max())}))
    sys.exit(0 if float(cos.min()) >= a.min_cosine else 1)


if __name__ == "__main__":
    main()
