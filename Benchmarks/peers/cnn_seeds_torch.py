"""The cnn-seeds workload with PyTorch, as a control: the digits CNN trained from PyTorch's own initialization and
shuffling for several seeds on the split `autodiff-benchmarks --export DIR` writes (chapter 10's), and the test
accuracy's mean, min and max. Options vary what the experiment in the playground's chapter "Convolutions" varied:
the input scaling, a BatchNorm after the first convolution, and (to see how hard this split is) other random
splits of the same 1797 digits.

    python cnn_seeds_torch.py --data DIR [--seeds 8] [--inputs scaled|standardized] [--batchnorm]
                              [--split exported|random|stratified] [--split-seeds 0,1,2]
"""
import argparse
import os
import statistics

import numpy as np
import torch
from torch import nn
from safetensors.numpy import load_file

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--data", required=True, help="directory written by `autodiff-benchmarks --export`")
parser.add_argument("--seeds", type=int, default=8)
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--inputs", choices=["scaled", "standardized"], default="standardized",
                    help="pixels / 16, or standardized by the training pixels' mean and deviation (as exported)")
parser.add_argument("--batchnorm", action="store_true", help="a BatchNorm2d after the first convolution")
parser.add_argument("--split", choices=["exported", "random", "stratified"], default="exported",
                    help="chapter 10's split (exported), or other 1437/360 splits of the same digits")
parser.add_argument("--split-seeds", default="0", help="the seeds of --split random/stratified, comma-separated")
args = parser.parse_args()
torch.set_num_threads(1)

data = load_file(os.path.join(args.data, "cnn.safetensors"))
if "mean" in data:   # the export holds the standardized images: back to pixels / 16
    for key in ("train_x", "test_x"):
        data[key] = data[key] * data["deviation"] + data["mean"]


def splits():
    if args.split == "exported":
        yield "exported", data["train_x"], data["train_y"], data["test_x"], data["test_y"]
        return
    x = np.concatenate([data["train_x"], data["test_x"]])
    y = np.concatenate([data["train_y"], data["test_y"]])
    for s in map(int, args.split_seeds.split(",")):
        rng = np.random.default_rng(s)
        if args.split == "random":
            order = rng.permutation(len(y))
            train, test = order[:1437], order[1437:]
        else:   # the same fraction of each class held out
            test = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:round(np.sum(y == c) * 360 / len(y))]
                                   for c in range(10)])
            train = np.setdiff1d(np.arange(len(y)), test)
        yield "%s %d" % (args.split, s), x[train], y[train], x[test], y[test]


def network():
    layers = [nn.Conv2d(1, 16, 3, padding=1), nn.ReLU()]
    if args.batchnorm:
        layers.append(nn.BatchNorm2d(16))
    layers += [nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
               nn.Flatten(), nn.Linear(128, 10)]
    return nn.Sequential(*layers)


for name, train_x, train_y, test_x, test_y in splits():
    if args.inputs == "standardized":
        mean, std = train_x.mean(), train_x.std()
        train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    x, y = torch.from_numpy(train_x), torch.from_numpy(train_y)
    tx, ty = torch.from_numpy(test_x), torch.from_numpy(test_y)
    accuracies = []
    for seed in range(args.seeds):
        torch.manual_seed(seed)
        model = network()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        for epoch in range(args.epochs):
            model.train()
            order = torch.randperm(len(y))
            for b in range(0, len(order), 32):
                index = order[b:b + 32]
                optimizer.zero_grad()
                loss_fn(model(x[index]), y[index]).backward()
                optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracies.append((model(tx).argmax(dim=1) == ty).float().mean().item())
    print("%-14s %s%s  mean %.4f  min %.4f  max %.4f  per seed %s" % (
        name, args.inputs, " +BN" if args.batchnorm else "", statistics.mean(accuracies), min(accuracies),
        max(accuracies), " ".join("%.4f" % a for a in accuracies)), flush=True)
