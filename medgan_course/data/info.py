"""MedMNIST metadata for the twelve 2D datasets: download URLs, MD5 checksums, labels, sizes.

Credit: these are facts copied from the `medmnist` package's `medmnist/info.py` (version
3.0.2, https://github.com/MedMNIST/MedMNIST, Apache-2.0 code), which describes the files of
Zenodo record 10519652. MedMNIST is by Jiancheng Yang, Rui Shi, Donglai Wei, Zequan Liu, Lin
Zhao, Bilian Ke, Hanspeter Pfister and Bingbing Ni: "MedMNIST v2 - A large-scale lightweight
benchmark for 2D and 3D biomedical image classification", Scientific Data 10, 41 (2023),
https://doi.org/10.1038/s41597-022-01721-8; and "MedMNIST Classification Decathlon", ISBI 2021.
The datasets are licensed CC BY 4.0 (DermaMNIST: CC BY-NC 4.0); cite both MedMNIST and the
source dataset named in `SOURCES` when you use one. None of them is for clinical use.

The keys of each `INFO` entry follow medmnist's: "url"/"MD5" for 28 px, "url_64"/"MD5_64" and
so on for 64, 128 and 224 px. The 3D datasets are left out: the course works on 2D images.
"""

from __future__ import annotations

#: Zenodo record of MedMNIST+ (v3): 28 px as `{flag}.npz`, larger sizes as `{flag}_{size}.npz`.
ZENODO_RECORD = "10519652"
SIZES = (28, 64, 128, 224)


def file_name(flag, size=28):
    """Official file name of a MedMNIST file: "breastmnist.npz", "breastmnist_64.npz"."""
    return f"{flag}.npz" if size == 28 else f"{flag}_{size}.npz"


def _entry(python_class, md5s, task, labels, n_channels, n_samples, license="CC BY 4.0"):
    """Builds one INFO entry in medmnist's layout from the values copied out of it.

    Args:
        md5s: MD5 per size, in the order of `SIZES` (28, 64, 128, 224).
        labels: class names in index order.
        n_samples: (train, val, test) sizes.
    """
    flag = python_class.lower()
    facts = {"python_class": python_class}
    for size, md5_hex in zip(SIZES, md5s):
        suffix = "" if size == 28 else f"_{size}"
        facts[f"url{suffix}"] = (
            f"https://zenodo.org/records/{ZENODO_RECORD}/files/{file_name(flag, size)}?download=1"
        )
        facts[f"MD5{suffix}"] = md5_hex
    facts.update(
        task=task,
        label={str(i): name for i, name in enumerate(labels)},
        n_channels=n_channels,
        n_samples=dict(zip(("train", "val", "test"), n_samples)),
        license=license,
    )
    return facts


_ORGANS = ("bladder", "femur-left", "femur-right", "heart", "kidney-left", "kidney-right",
           "liver", "lung-left", "lung-right", "pancreas", "spleen")

INFO = {
    "pathmnist": _entry(
        "PathMNIST",
        ("a8b06965200029087d5bd730944a56c1", "55aa9c1e0525abe5a6b9d8343a507616",
         "ac42d08fb904d92c244187169d1fd1d9", "2c51a510bcdc9cf8ddb2af93af1eadec"),
        "multi-class",
        ("adipose", "background", "debris", "lymphocytes", "mucus", "smooth muscle",
         "normal colon mucosa", "cancer-associated stroma",
         "colorectal adenocarcinoma epithelium"),
        3, (89996, 10004, 7180)),
    "chestmnist": _entry(
        "ChestMNIST",
        ("02c8a6516a18b556561a56cbdd36c4a8", "9de6cd0b934ebb5b7426cfba5efbae16",
         "db107e5590b27930b62dbaf558aebee3", "45bd33e6f06c3e8cdb481c74a89152aa"),
        "multi-label, binary-class",
        ("atelectasis", "cardiomegaly", "effusion", "infiltration", "mass", "nodule",
         "pneumonia", "pneumothorax", "consolidation", "edema", "emphysema", "fibrosis",
         "pleural", "hernia"),
        1, (78468, 11219, 22433)),
    "dermamnist": _entry(
        "DermaMNIST",
        ("0744692d530f8e62ec473284d019b0c7", "b70a2f5635c6199aeaa28c31d7202e1f",
         "2defd784463fa5243564e855ed717de1", "8974907d8e169bef5f5b96bc506ae45d"),
        "multi-class",
        ("actinic keratoses and intraepithelial carcinoma", "basal cell carcinoma",
         "benign keratosis-like lesions", "dermatofibroma", "melanoma", "melanocytic nevi",
         "vascular lesions"),
        3, (7007, 1003, 2005), license="CC BY-NC 4.0"),
    "octmnist": _entry(
        "OCTMNIST",
        ("c68d92d5b585d8d81f7112f81e2d0842", "e229e9440236b774d9f0dfef9d07bdaf",
         "0a97e76651ace45c5d943ee3f65b63ae", "abc493b6d529d5de7569faaef2773ba3"),
        "multi-class",
        ("choroidal neovascularization", "diabetic macular edema", "drusen", "normal"),
        1, (97477, 10832, 1000)),
    "pneumoniamnist": _entry(
        "PneumoniaMNIST",
        ("28209eda62fecd6e6a2d98b1501bb15f", "8f4eceb4ccffa70c672198ea285246c6",
         "05b46931834c231683c68f40c47b2971", "d6a3c71de1b945ea11211b03746c1fe1"),
        "binary-class", ("normal", "pneumonia"), 1, (4708, 524, 624)),
    "retinamnist": _entry(
        "RetinaMNIST",
        ("bd4c0672f1bba3e3a89f0e4e876791e4", "afda852cc34dcda56f86ad2b2457dbcc",
         "e48e916a24454daf90583d4e6efb1a18", "eae7e3b6f3fcbda4ae613ebdcbe35348"),
        "ordinal-regression", ("0", "1", "2", "3", "4"), 3, (1080, 120, 400)),
    "breastmnist": _entry(
        "BreastMNIST",
        ("750601b1f35ba3300ea97c75c52ff8f6", "742edef2a1fd1524b2efff4bd7ba9364",
         "363e4b3f8d712e9b5de15470a2aaadf1", "b56378a6eefa9fed602bb16d192d4c8b"),
        "binary-class", ("malignant", "normal, benign"), 1, (546, 78, 156)),
    "bloodmnist": _entry(
        "BloodMNIST",
        ("7053d0359d879ad8a5505303e11de1dc", "2b94928a2ae4916078ca51e05b6b800b",
         "adace1e0ed228fccda1f39692059dd4c", "b718ff6835fcbdb22ba9eacccd7b2601"),
        "multi-class",
        ("basophil", "eosinophil", "erythroblast",
         "immature granulocytes(myelocytes, metamyelocytes and promyelocytes)", "lymphocyte",
         "monocyte", "neutrophil", "platelet"),
        3, (11959, 1712, 3421)),
    "tissuemnist": _entry(
        "TissueMNIST",
        ("ebe78ee8b05294063de985d821c1c34b", "123ece2eba09d0aa5d698fda57103344",
         "61b955355d7425a89687b06cca3ce0c2", "b077128c4a949f0a4eb01517f9037b9c"),
        "multi-class",
        ("Collecting Duct, Connecting Tubule", "Distal Convoluted Tubule",
         "Glomerular endothelial cells", "Interstitial endothelial cells", "Leukocytes",
         "Podocytes", "Proximal Tubule Segments", "Thick Ascending Limb"),
        1, (165466, 23640, 47280)),
    "organamnist": _entry(
        "OrganAMNIST",
        ("68e3f8846a6bd62f0c9bf841c0d9eacc", "2dcccc29b88e6da5a01161ef20cda288",
         "eeae80d0a227a8d099027e1b3cfd3b60", "50747347e05c87dd3aaf92c49f9f3170"),
        "multi-class", _ORGANS, 1, (34561, 6491, 17778)),
    "organcmnist": _entry(
        "OrganCMNIST",
        ("b9ceb9546e10131b32923c5bbeaea2b1", "3ce34a8724ea6f548e6db4744d03b6a9",
         "773c1f009daa3fe5d9a2a201b2a7ed94", "050f5e875dc056f6768abf94ec9995d1"),
        "multi-class", _ORGANS, 1, (12975, 2392, 8216)),
    "organsmnist": _entry(
        "OrganSMNIST",
        ("9ab87b696fb54e2a387ebe992d6ed5f1", "53a6d115339d874c25e309a994ff46d3",
         "ded0c5fa01a95dc4978b956f613e9b8e", "b354719e553fbbb2513d5533f52a4cb1"),
        "multi-class", _ORGANS, 1, (13932, 2452, 8827)),
}

_LITS = (
    "abdominal CT from the Liver Tumor Segmentation Benchmark (LiTS; Bilic et al., Medical "
    "Image Analysis 2023) with organ boxes from Xu et al., IEEE TMI 2019"
)

#: Origin of each dataset and the paper to cite with MedMNIST (licence: see INFO[flag]).
SOURCES = {
    "pathmnist": "colorectal cancer histology NCT-CRC-HE-100K / CRC-VAL-HE-7K (Kather et al., "
                 "PLOS Medicine 2019)",
    "chestmnist": "NIH ChestX-ray14 chest X-rays (Wang et al., CVPR 2017)",
    "dermamnist": "HAM10000 dermatoscopy (Tschandl et al., Scientific Data 2018; Codella et "
                  "al., ISIC 2018, arXiv:1902.03368)",
    "octmnist": "retinal OCT (Kermany et al., Cell 2018)",
    "pneumoniamnist": "paediatric chest X-rays (Kermany et al., Cell 2018)",
    "retinamnist": "DeepDRiD fundus photographs (Liu et al., Patterns 2022)",
    "breastmnist": "BUSI breast ultrasound (Al-Dhabyani et al., Data in Brief 2020)",
    "bloodmnist": "peripheral blood cell microscopy (Acevedo et al., Data in Brief 2020)",
    "tissuemnist": "BBBC051 kidney cortex cells, Broad Bioimage Benchmark Collection (Ljosa "
                   "et al., Nature Methods 2012)",
    "organamnist": _LITS + ", axial views",
    "organcmnist": _LITS + ", coronal views",
    "organsmnist": _LITS + ", sagittal views",
}

MEDMNIST_CITATION = (
    "MedMNIST v2 (Yang et al., Scientific Data 2023, doi:10.1038/s41597-022-01721-8)"
)


def flags():
    """The 2D MedMNIST flags, in medmnist's order."""
    return tuple(INFO)


def entry(flag):
    """Returns INFO[flag], or raises ValueError listing the valid flags."""
    if flag not in INFO:
        raise ValueError(
            f"unknown MedMNIST flag {flag!r}; the course supports the 2D flags {flags()} "
            "(the 3D ones, e.g. organmnist3d, are not supported)."
        )
    return INFO[flag]


def _size_suffix(size):
    if size not in SIZES:
        raise ValueError(f"MedMNIST sizes are {SIZES}, got size={size!r}.")
    return "" if size == 28 else f"_{size}"


def url(flag, size=28):
    """Download URL of one MedMNIST file on Zenodo."""
    return entry(flag)[f"url{_size_suffix(size)}"]


def md5(flag, size=28):
    """Official MD5 of one MedMNIST file, or None where medmnist's info.py gives none."""
    return entry(flag).get(f"MD5{_size_suffix(size)}")


def class_names(flag):
    """Class names in label-index order, e.g. ("malignant", "normal, benign")."""
    labels = entry(flag)["label"]
    return tuple(labels[str(i)] for i in range(len(labels)))


def source(flag):
    """One line crediting the file: MedMNIST, the source dataset, its licence, no clinical use."""
    facts = entry(flag)
    return (
        f"{facts['python_class']} from {MEDMNIST_CITATION}; source: {SOURCES[flag]}; "
        f"licence {facts['license']}; not for clinical use"
    )
