#!/usr/bin/python3
"""Times the official PyTorch code of each method on an MVTec-AD-layout folder (issue 23, item 4; README.md).

One sub-command per method. Each imports the official modules from --repo (a work tree of the official
repository; nothing of it is copied here), builds the official model at the official settings with seeded random
weights (no download is possible), runs on --threads intra-op threads, and prints one JSON line:

  fit_seconds                 one training epoch (for CFA with its memory-bank pass before it; for PatchCore
                              PatchCore.fit: features, coreset, index); null where the official code has no
                              comparable training (RegAD's episodic few-shot training for FYD)
  predict_images_per_second   test images / seconds of the model and its post-processing (upsampling, Gaussian,
                              image score) in the official test loop, data loading excluded: what the harness's
                              timings.predict_images_per_second measures
  predict_images_per_second_with_loading
                              the same loop's wall time, the official DataLoader's decoding and resizing included

The official loops are followed statement by statement where a script hard-codes its paths (trainer_cfa.py,
main.py, recontrast_mvtec.py); the metric computations inside them (AUROC, AUPRO) are left out, as the harness's
predict timing leaves out its metrics.
"""
import argparse
import contextlib
import importlib.util
import json
import os
import random
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the official work trees or in stand_ins/

import numpy as np  # noqa: E402
import torch  # noqa: E402


class Clock:
    """Adds up the seconds spent inside `with clock():` blocks."""

    def __init__(self):
        self.seconds = 0.0

    @contextlib.contextmanager
    def __call__(self):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - start


def use_repo(path):
    """Puts the official work tree first on sys.path, and the stand-ins for uninstalled PyPI modules last."""
    sys.path.insert(0, os.path.abspath(path))
    missing = [m for m in ("einops", "kornia", "timm", "torchsummary") if importlib.util.find_spec(m) is None]
    if missing:
        sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "stand_ins"))
    return missing


def repo_commit(path):
    try:
        return subprocess.run(["git", "-C", path, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def report(args, method, official, settings, fit_seconds, test_images, model_seconds, loop_seconds, stand_ins,
           **extra):
    line = {
        "method": method,
        "official": official,
        "official_commit": args.commit or repo_commit(args.repo),
        "settings": settings,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "train_images": extra.pop("train_images", None),
        "test_images": test_images,
        "fit_seconds": fit_seconds,
        "predict_model_seconds": model_seconds,
        "predict_loop_seconds": loop_seconds,
        "predict_images_per_second": test_images / model_seconds if model_seconds else None,
        "predict_images_per_second_with_loading": test_images / loop_seconds if loop_seconds else None,
        "stand_ins": stand_ins,
    }
    line.update(extra)
    print(json.dumps(line), flush=True)


# ----------------------------------------------------------------------------------------------------------------
# PatchCore (amazon-science/patchcore-inspection): bin/run_patchcore.py's get_patchcore + PatchCore.fit/predict.
# ReConPatch has no public code: its row runs this at ReConPatch's 1 % coreset.

def run_patchcore(args, method):
    stand_ins = use_repo(os.path.join(args.repo, "src"))
    import torchvision
    import patchcore.common
    import patchcore.patchcore
    import patchcore.sampler
    from patchcore.datasets.mvtec import DatasetSplit, MVTecDataset

    percentage = args.coreset if args.coreset is not None else (0.01 if method == "reconpatch" else 0.1)
    seed_everything(0)  # run_patchcore.py: patchcore.utils.fix_seeds(seed) before the sampler and the model
    device = torch.device("cpu")
    # backbones.load("wideresnet50") is models.wide_resnet50_2(pretrained=True): the same network, random weights.
    backbone = torchvision.models.wide_resnet50_2(weights=None)
    backbone.name, backbone.seed = "wideresnet50", None
    train_set = MVTecDataset(args.data, classname=args.category, resize=256, imagesize=224,
                             split=DatasetSplit.TRAIN, seed=0)
    test_set = MVTecDataset(args.data, classname=args.category, resize=256, imagesize=224,
                            split=DatasetSplit.TEST, seed=0)
    loader = dict(batch_size=2, shuffle=False, num_workers=args.workers if args.workers is not None else 8,
                  pin_memory=True)
    train_loader = torch.utils.data.DataLoader(train_set, **loader)
    test_loader = torch.utils.data.DataLoader(test_set, **loader)

    sampler = (patchcore.sampler.IdentitySampler() if percentage >= 1.0
               else patchcore.sampler.ApproximateGreedyCoresetSampler(percentage, device))
    model = patchcore.patchcore.PatchCore(device)
    model.load(backbone=backbone, layers_to_extract_from=["layer2", "layer3"], device=device,
               input_shape=(3, 224, 224), pretrain_embed_dimension=1024, target_embed_dimension=1024,
               patchsize=3, featuresampler=sampler, anomaly_scorer_num_nn=1,
               nn_method=patchcore.common.FaissNN(False, args.faiss_threads))

    start = time.perf_counter()
    model.fit(train_loader)
    fit_seconds = time.perf_counter() - start

    # PatchCore._predict is the model and its post-processing (features, FAISS search, image max, bilinear
    # upsampling and the sigma-4 Gaussian of RescaleSegmentor); _predict_dataloader adds the loading around it.
    clock = Clock()
    official_predict = model._predict

    def timed_predict(images):
        with clock():
            return official_predict(images)

    model._predict = timed_predict
    start = time.perf_counter()
    scores, masks, _, _ = model.predict(test_loader)
    loop_seconds = time.perf_counter() - start
    settings = {"backbone": "wide_resnet50_2", "layers": ["layer2", "layer3"], "resize": 256, "crop": 224,
                "batch_size": 2, "sampler": "identity" if percentage >= 1.0 else "approx_greedy_coreset",
                "coreset_percentage": percentage, "projection": 128, "num_nn": 1, "patchsize": 3,
                "dimensions": [1024, 1024], "faiss_threads": args.faiss_threads,
                "loader_workers": loader["num_workers"]}
    report(args, method, "patchcore-inspection", settings, fit_seconds, len(scores), clock.seconds, loop_seconds,
           stand_ins, train_images=len(train_set),
           memory_bank=int(model.anomaly_scorer.detection_features.shape[0]))


# ----------------------------------------------------------------------------------------------------------------
# CFA (sungwool/CFA_for_anomaly_localization): trainer_cfa.py's run() for one class and one epoch.

def run_cfa(args):
    stand_ins = use_repo(args.repo)
    from torch.utils.data import DataLoader
    from cnn.resnet import resnet18 as res18
    from cnn.resnet import wide_resnet50_2 as wrn50_2
    from datasets.mvtec import MVTecDataset
    from utils.cfa import DSVDD
    from utils.metric import gaussian_smooth, rescale, upsample
    import utils.coordconv as coordconv

    # utils/coordconv.py tests `torch.cuda.is_available` without calling it (always true) and so moves its input
    # to CUDA whenever use_cuda (default True) is set: on a CPU-only torch that raises. The official CoordConv with
    # use_cuda=False is the same computation without the move.
    official_add_coords_init = coordconv.AddCoords.__init__

    def add_coords_init(self, rank, with_r=False, use_cuda=True):
        official_add_coords_init(self, rank, with_r, use_cuda=False)

    coordconv.AddCoords.__init__ = add_coords_init

    seed_everything(1024)  # trainer_cfa.py: random.seed and torch.manual_seed(1024)
    torch.manual_seed(args.seed)  # then the random backbone weights, seeded as every driver here
    device = torch.device("cpu")
    train_set = MVTecDataset(dataset_path=args.data, class_name=args.category, resize=256, cropsize=224,
                             is_train=True, wild_ver=False)
    test_set = MVTecDataset(dataset_path=args.data, class_name=args.category, resize=256, cropsize=224,
                            is_train=False, wild_ver=False)
    workers = args.workers if args.workers is not None else 0
    train_loader = DataLoader(dataset=train_set, batch_size=4, pin_memory=True, shuffle=True, drop_last=True,
                              num_workers=workers)
    test_loader = DataLoader(dataset=test_set, batch_size=4, pin_memory=True, num_workers=workers)

    cnn = args.cnn
    model = (res18 if cnn == "res18" else wrn50_2)(pretrained=False, progress=False).to(device)
    model.eval()

    start = time.perf_counter()
    loss_fn = DSVDD(model, train_loader, cnn, 1, 1, device).to(device)  # the memory-bank pass
    bank_seconds = time.perf_counter() - start
    optimizer = torch.optim.AdamW(params=[{"params": loss_fn.parameters()}], lr=1e-3, weight_decay=5e-4,
                                  amsgrad=True)
    epoch_start = time.perf_counter()
    loss_fn.train()
    for (x, _, _) in train_loader:
        optimizer.zero_grad()
        p = model(x.to(device))
        loss, _ = loss_fn(p)
        loss.backward()
        optimizer.step()
    epoch_seconds = time.perf_counter() - epoch_start
    fit_seconds = time.perf_counter() - start

    # The test phase of the same epoch loop: scores per batch, then upsampling, the Gaussian and the test-set
    # rescale on all maps at once, image score = max (cal_img_roc). The image lists it keeps for plotting are kept.
    clock = Clock()
    start = time.perf_counter()
    test_imgs, gt_mask_list, gt_list = [], [], []
    heatmaps = None
    loss_fn.eval()
    for x, y, mask in test_loader:
        test_imgs.extend(x.cpu().detach().numpy())
        gt_list.extend(y.cpu().detach().numpy())
        gt_mask_list.extend(mask.cpu().detach().numpy())
        with clock():
            p = model(x.to(device))
            _, score = loss_fn(p)
            heatmap = score.cpu().detach()
            heatmap = torch.mean(heatmap, dim=1)
            heatmaps = torch.cat((heatmaps, heatmap), dim=0) if heatmaps is not None else heatmap
    with clock():
        heatmaps = upsample(heatmaps, size=x.size(2), mode="bilinear")
        heatmaps = gaussian_smooth(heatmaps, sigma=4)
        scores = rescale(heatmaps)
        image_scores = scores.reshape(scores.shape[0], -1).max(axis=1)
    loop_seconds = time.perf_counter() - start
    settings = {"backbone": "resnet18" if cnn == "res18" else "wide_resnet50_2",
                "layers": ["layer1", "layer2", "layer3"], "resize": 256, "resize_filter": "PIL ANTIALIAS",
                "crop": 224, "batch_size": 4, "gamma_c": 1, "gamma_d": 1, "optimizer": "AdamW(1e-3, wd 5e-4, amsgrad)",
                "epochs": 1, "loader_workers": workers, "bank_entries": int(loss_fn.C.shape[1])}
    report(args, "cfa", "CFA_for_anomaly_localization", settings, fit_seconds, len(image_scores), clock.seconds,
           loop_seconds, stand_ins, train_images=len(train_set), bank_seconds=bank_seconds,
           epoch_seconds=epoch_seconds)


# ----------------------------------------------------------------------------------------------------------------
# RD4AD (hq-deng/RD4AD): main.py's train() for one epoch and test.py's evaluation() loop.

def run_rd4ad(args):
    stand_ins = use_repo(args.repo)
    from torchvision.datasets import ImageFolder
    from scipy.ndimage import gaussian_filter
    from dataset import MVTecDataset, get_data_transforms
    from de_resnet import de_resnet18, de_wide_resnet50_2
    from main import loss_fucntion
    from resnet import resnet18, wide_resnet50_2
    from test import cal_anomaly_map

    seed_everything(111)  # main.py: setup_seed(111)
    torch.manual_seed(args.seed)
    device = "cpu"
    image_size = 256
    data_transform, gt_transform = get_data_transforms(image_size, image_size)
    root = os.path.join(args.data, args.category)
    train_data = ImageFolder(root=os.path.join(root, "train"), transform=data_transform)
    test_data = MVTecDataset(root=root, transform=data_transform, gt_transform=gt_transform, phase="test")
    workers = args.workers if args.workers is not None else 0
    train_loader = torch.utils.data.DataLoader(train_data, batch_size=16, shuffle=True, num_workers=workers)
    test_loader = torch.utils.data.DataLoader(test_data, batch_size=1, shuffle=False, num_workers=workers)

    wide = args.backbone == "wide_resnet50_2"
    encoder, bn = (wide_resnet50_2 if wide else resnet18)(pretrained=False)
    encoder = encoder.to(device)
    bn = bn.to(device)
    encoder.eval()
    decoder = (de_wide_resnet50_2 if wide else de_resnet18)(pretrained=False).to(device)
    optimizer = torch.optim.Adam(list(decoder.parameters()) + list(bn.parameters()), lr=0.005, betas=(0.5, 0.999))

    start = time.perf_counter()
    bn.train()
    decoder.train()
    loss_list = []
    for img, label in train_loader:
        img = img.to(device)
        inputs = encoder(img)
        outputs = decoder(bn(inputs))
        loss = loss_fucntion(inputs, outputs)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_list.append(loss.item())
    fit_seconds = time.perf_counter() - start

    # test.py evaluation(): per image, the maps' sum (amap_mode='a'), gaussian_filter(sigma=4), image score = max.
    clock = Clock()
    bn.eval()
    decoder.eval()
    image_scores = []
    start = time.perf_counter()
    with torch.no_grad():
        for img, gt, label, _ in test_loader:
            with clock():
                img = img.to(device)
                inputs = encoder(img)
                outputs = decoder(bn(inputs))
                anomaly_map, _ = cal_anomaly_map(inputs, outputs, img.shape[-1], amap_mode="a")
                anomaly_map = gaussian_filter(anomaly_map, sigma=4)
                image_scores.append(np.max(anomaly_map))
    loop_seconds = time.perf_counter() - start
    settings = {"backbone": args.backbone, "decoder": "de_wide_resnet50_2" if wide else "de_resnet18",
                "image_size": 256, "train_batch_size": 16, "test_batch_size": 1,
                "optimizer": "Adam(0.005, betas 0.5/0.999)", "epochs": 1, "loader_workers": workers}
    report(args, "rd4ad", "RD4AD", settings, fit_seconds, len(image_scores), clock.seconds, loop_seconds, stand_ins,
           train_images=len(train_data), final_loss=float(np.mean(loss_list)))


# ----------------------------------------------------------------------------------------------------------------
# ReContrast (guojiajeremy/ReContrast): recontrast_mvtec.py's train() for one epoch, utils.evaluation()'s loop.

def run_recontrast(args):
    stand_ins = use_repo(args.repo)
    import copy
    from torchvision.datasets import ImageFolder
    from scipy.ndimage import gaussian_filter
    from dataset import MVTecDataset, get_data_transforms
    from models.de_resnet import de_resnet18, de_wide_resnet50_2
    from models.recontrast import ReContrast
    from models.resnet import resnet18, wide_resnet50_2
    from utils import cal_anomaly_map, global_cosine_hm

    seed_everything(111)  # train(): setup_seed(111)
    torch.manual_seed(args.seed)
    device = "cpu"
    total_iters, batch_size, image_size, crop_size = 2000, 16, 256, 256
    data_transform, gt_transform = get_data_transforms(image_size, crop_size)
    root = os.path.join(args.data, args.category)
    train_data = ImageFolder(root=os.path.join(root, "train"), transform=data_transform)
    test_data = MVTecDataset(root=root, transform=data_transform, gt_transform=gt_transform, phase="test")
    train_workers = args.workers if args.workers is not None else 4
    test_workers = args.workers if args.workers is not None else 1
    train_loader = torch.utils.data.DataLoader(train_data, batch_size=batch_size, shuffle=True,
                                               num_workers=train_workers, drop_last=False)
    test_loader = torch.utils.data.DataLoader(test_data, batch_size=1, shuffle=False, num_workers=test_workers)

    wide = args.backbone == "wide_resnet50_2"
    encoder, bn = (wide_resnet50_2 if wide else resnet18)(pretrained=False)
    decoder = (de_wide_resnet50_2 if wide else de_resnet18)(pretrained=False, output_conv=2)
    encoder, bn, decoder = encoder.to(device), bn.to(device), decoder.to(device)
    encoder_freeze = copy.deepcopy(encoder)
    model = ReContrast(encoder=encoder, encoder_freeze=encoder_freeze, bottleneck=bn, decoder=decoder)
    optimizer = torch.optim.AdamW(list(decoder.parameters()) + list(bn.parameters()), lr=2e-3, betas=(0.9, 0.999),
                                  weight_decay=1e-5)
    optimizer2 = torch.optim.AdamW(list(encoder.parameters()), lr=1e-5, betas=(0.9, 0.999), weight_decay=1e-5)
    encoder_bn_train = args.category not in ["toothbrush", "leather", "grid", "tile", "wood", "screw"]

    # One epoch of the official loop (len(train_loader) iterations); alpha follows the official 2000-iteration ramp.
    start = time.perf_counter()
    it = 0
    model.train(encoder_bn_train=encoder_bn_train)
    loss_list = []
    for img, label in train_loader:
        img = img.to(device)
        en, de = model(img)
        alpha_final = 1
        alpha = min(-3 + (alpha_final - -3) * it / (total_iters * 0.1), alpha_final)
        loss = global_cosine_hm(en[:3], de[:3], alpha=alpha, factor=0.) / 2 + \
            global_cosine_hm(en[3:], de[3:], alpha=alpha, factor=0.) / 2
        optimizer.zero_grad()
        optimizer2.zero_grad()
        loss.backward()
        optimizer.step()
        optimizer2.step()
        loss_list.append(loss.item())
        it += 1
    fit_seconds = time.perf_counter() - start

    clock = Clock()
    model.eval()
    image_scores = []
    start = time.perf_counter()
    with torch.no_grad():
        for img, gt, label, _ in test_loader:
            with clock():
                img = img.to(device)
                en, de = model(img)
                anomaly_map, _ = cal_anomaly_map(en, de, img.shape[-1], amap_mode="a")
                anomaly_map = gaussian_filter(anomaly_map, sigma=4)
                image_scores.append(anomaly_map.max())
    loop_seconds = time.perf_counter() - start
    settings = {"backbone": args.backbone, "image_size": 256, "train_batch_size": batch_size, "test_batch_size": 1,
                "iterations": it, "encoder_bn_train": encoder_bn_train,
                "optimizers": "AdamW(2e-3) decoder+bottleneck, AdamW(1e-5) encoder, wd 1e-5",
                "loader_workers": [train_workers, test_workers]}
    report(args, "recontrast", "ReContrast", settings, fit_seconds, len(image_scores), clock.seconds, loop_seconds,
           stand_ins, train_images=len(train_data), final_loss=float(np.mean(loss_list)))


# ----------------------------------------------------------------------------------------------------------------
# SSM (MediaBrain-SJTU/SSM): train.py's train() for one epoch, test.py's test() and main()'s score combination.

def run_ssm(args):
    stand_ins = use_repo(args.repo)
    import torchvision.transforms as transforms
    from torchvision.datasets import ImageFolder
    from models.unet_multi import UNet
    import train as ssm_train
    import test as ssm_test

    seed_everything(args.seed)
    device = "cpu"
    # datasets/retinaOCT.py load_data_OCT with the data path's train/ and test/ folders (ImageFolder).
    img_transform = transforms.Compose([transforms.Resize([128, 128]), transforms.ToTensor()])
    root = os.path.join(args.data, args.category)
    train_dataset = ImageFolder(root=os.path.join(root, "train"), transform=img_transform)
    test_dataset = ImageFolder(root=os.path.join(root, "test"), transform=img_transform)
    workers = args.workers if args.workers is not None else 0
    train_loader = torch.utils.data.DataLoader(train_dataset, batch_size=32, shuffle=True, num_workers=workers)
    test_loader = torch.utils.data.DataLoader(test_dataset, batch_size=1, shuffle=False, num_workers=workers)

    model = UNet(up_mode="upsample").to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.0001, weight_decay=0.00001)
    train_args = argparse.Namespace(epochs=50, batch_size=32, img_size=128, alpha=1.0, belta=1.0, gamma=1.0,
                                    lr=0.0001, weight_decay=0.00001, k_value=[2, 4, 8], input_channel=3)
    with open(os.devnull, "w") as log:
        start = time.perf_counter()
        ssm_train.adjust_learning_rate(train_args, optimizer, 1)
        ssm_train.train(train_args, model, 1, train_loader, optimizer, log)
        fit_seconds = time.perf_counter() - start

    # test.py's test() is one loop over the loader with its model work inside; its own loading is the
    # ImageFolder decode + Resize. Time the loop whole, and the loading alone over the same loader, and take
    # the difference as model + post-processing.
    test_args = argparse.Namespace(batch_size=1, img_size=128, seed=8, refine_num=2, threshold=0.96, ratio=0.8,
                                   k_value=[2, 4, 8], input_channel=3)
    start = time.perf_counter()
    scores, scores_ssim, scores_mse, gt_list = ssm_test.test(test_args, model, test_loader)
    scores = np.asarray(scores)
    scores = (scores - scores.min()) / (scores.max() - scores.min())
    scores_mse = np.asarray(scores_mse)
    scores_mse = (scores_mse - scores_mse.min()) / (scores_mse.max() - scores_mse.min())
    img_scores = scores.reshape(scores.shape[0], -1).max(axis=1)
    final = img_scores + scores_mse.reshape(scores_mse.shape[0], -1).max(axis=1)
    final = (final - final.min()) / (final.max() - final.min())
    loop_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for _ in test_loader:
        pass
    loading_seconds = time.perf_counter() - start
    settings = {"image_size": 128, "normalisation": "none", "base_channels": 64, "k_values": [2, 4, 8],
                "train_batch_size": 32, "test_batch_size": 1, "refine_num": 2, "threshold": 0.96, "ratio": 0.8,
                "optimizer": "Adam(1e-4, wd 1e-5)", "epochs": 1, "loader_workers": workers}
    report(args, "ssm", "SSM", settings, fit_seconds, len(final), loop_seconds - loading_seconds, loop_seconds,
           stand_ins, train_images=len(train_dataset), loading_seconds=loading_seconds)


# ----------------------------------------------------------------------------------------------------------------
# FYD has no public code. Closest official code (shared/research/methods-1.md section 3.4): RegAD
# (MediaBrain-SJTU/RegAD), ResNet-18 with an STN after each stage, SimSiam head, PaDiM Gaussian scoring. Its test()
# fits the per-location Gaussian on the augmented support set and scores the test set; its training is episodic
# few-shot across the other categories, with nothing comparable to one epoch of FYD, so fit_seconds is null.
# test() begins with the support set's features and the Gaussian (FYD's Fit in the harness): the predict figures
# here start where test() starts iterating the test loader (support_gaussian_seconds reports the part before;
# the per-location covariance inverse stays in the scoring, where RegAD computes it).

def run_fyd(args):
    stand_ins = use_repo(args.repo)
    from datasets.mvtec import FSAD_Dataset_test
    from models.siamese import Encoder, Predictor
    from models.stn import stn_net
    import train as regad_train

    if not torch.cuda.is_available():
        # train.py's test() calls embedding_concat(..., True): use_cuda=True puts PaDiM's concatenated embedding
        # on CUDA. The same function with use_cuda=False keeps it on the CPU.
        official_concat = regad_train.embedding_concat
        regad_train.embedding_concat = lambda x, y, use_cuda: official_concat(x, y, False)
    if not torch.cuda.is_available():
        # RegAD is CUDA-only as published: models/stn.py creates its identity theta on `x.get_device()` (-1 for
        # a CPU tensor, which torch refuses) and moves the inverted thetas with `.cuda()`. On a CPU-only torch
        # both become no-ops that keep every tensor where it is; the computation is unchanged.
        torch.Tensor.get_device = lambda self: self.device
        torch.Tensor.cuda = lambda self, *args, **kwargs: self
    seed_everything(668)  # train.py's default --seed
    torch.manual_seed(args.seed)
    device = "cpu"
    net_args = argparse.Namespace(stn_mode="rotation_scale", img_size=224, input_channel=3)
    stn = stn_net(net_args, pretrained=False).to(device)
    enc = Encoder().to(device)
    pred = Predictor().to(device)
    shot = 2
    data = os.path.abspath(args.data)
    if "test" in data:
        # datasets/mvtec.py finds each mask with image_path.replace('test', 'ground_truth'), every occurrence:
        # a root whose name holds "test" (the generated set's does) breaks it. Read the same files through a
        # link whose path does not.
        import tempfile
        while True:
            link_root = tempfile.mkdtemp(prefix="regad-")
            if "test" not in link_root:
                break
            os.rmdir(link_root)
        os.symlink(os.path.join(data, args.category), os.path.join(link_root, args.category))
        data = link_root
    test_dataset = FSAD_Dataset_test(data, class_name=args.category, is_train=False, resize=224, shot=shot)
    workers = args.workers if args.workers is not None else 0
    test_loader = torch.utils.data.DataLoader(test_dataset, batch_size=1, shuffle=False, num_workers=workers)
    # The fixed support set (support_set/<class>/<shot>_10.pt in the official repo, drawn from train/good):
    # the first `shot` training images, transformed as FSAD_Dataset_test transforms them.
    train_dir = os.path.join(data, args.category, "train", "good")
    names = sorted(os.listdir(train_dir))[:shot]
    from PIL import Image
    support = torch.stack([test_dataset.transform_x(Image.open(os.path.join(train_dir, n)).convert("RGB"))
                           for n in names])
    class MarkedLoader:
        """The test loader, noting when test() starts iterating it: what comes before is the support set's
        features and the per-location Gaussian (PaDiM's fit), what comes after is scoring the test images."""

        def __init__(self, loader):
            self.loader, self.started = loader, None

        def __iter__(self):
            self.started = time.perf_counter()
            return iter(self.loader)

    marked = MarkedLoader(test_loader)
    test_start = time.perf_counter()
    score_map, _, gt_list, _ = regad_train.test([stn, enc, pred], 0, [support], marked)
    scores = np.asarray(score_map)
    scores = (scores - scores.min()) / (scores.max() - scores.min())
    img_scores = scores.reshape(scores.shape[0], -1).max(axis=1)
    end = time.perf_counter()
    gaussian_seconds = marked.started - test_start
    scoring_seconds = end - marked.started
    start = time.perf_counter()
    for _ in test_loader:
        pass
    loading_seconds = time.perf_counter() - start
    settings = {"official_stand_in_for": "FYD (no public code)", "code": "RegAD test()", "backbone": "resnet18 + STN",
                "stn_mode": "rotation_scale", "image_size": 224, "shot": shot, "support_augmentations": 22,
                "test_batch_size": 1, "loader_workers": workers}
    report(args, "fyd", "RegAD", settings, None, len(img_scores), scoring_seconds - loading_seconds,
           scoring_seconds, stand_ins, loading_seconds=loading_seconds, support_gaussian_seconds=gaussian_seconds,
           test_call_seconds=end - test_start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="method", required=True)
    for name in ("patchcore", "reconpatch", "cfa", "rd4ad", "recontrast", "ssm", "fyd"):
        p = sub.add_parser(name)
        p.add_argument("--repo", required=True, help="work tree of the official repository")
        p.add_argument("--data", required=True, help="MVTec-AD-layout root: <data>/<category>/{train,test,ground_truth}")
        p.add_argument("--category", default="pill")
        p.add_argument("--threads", type=int, default=2)
        p.add_argument("--seed", type=int, default=0, help="seed of the random weights")
        p.add_argument("--workers", type=int, default=None,
                       help="DataLoader workers (default: what the official script uses)")
        p.add_argument("--commit", default=None, help="the official commit, if --repo is not a git work tree")
        if name in ("patchcore", "reconpatch"):
            p.add_argument("--coreset", type=float, default=None,
                           help="coreset fraction (default 0.1 for patchcore, 0.01 for reconpatch; 1 = identity)")
            p.add_argument("--faiss-threads", dest="faiss_threads", type=int, default=2,
                           help="FaissNN(num_workers): run_patchcore.py defaults to 8; the thread count here")
        if name == "cfa":
            p.add_argument("--cnn", default="res18", choices=["res18", "wrn50_2"])
        if name in ("rd4ad", "recontrast"):
            p.add_argument("--backbone", default="resnet18" if name == "rd4ad" else "wide_resnet50_2",
                           choices=["resnet18", "wide_resnet50_2"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.method in ("patchcore", "reconpatch"):
        run_patchcore(args, args.method)
    else:
        {"cfa": run_cfa, "rd4ad": run_rd4ad, "recontrast": run_recontrast, "ssm": run_ssm, "fyd": run_fyd}[
            args.method](args)


if __name__ == "__main__":
    main()
