"""Real images that installed packages ship: for the image-enhancement lessons, offline.

Every image here is a file inside scikit-image or pydicom, so nothing is downloaded:

- "retina": fundus photograph of a normal left eye (scikit-image `data.retina()`), by Mikael
  Häggström, Wikimedia Commons, CC0 1.0. Green channel, where vessels have the most contrast.
- "microaneurysms": crop of image 07_dr of the High-Resolution Fundus (HRF) database, green
  channel (scikit-image `data.microaneurysms()`; Budai et al., Int J Biomed Imaging 2013), CC0.
- "immunohistochemistry": colonic glands, IHC (FHL2, DAB) with haematoxylin, from CMMI
  (scikit-image `data.immunohistochemistry()`; "no known copyright restrictions"); luminance.
- "cell": quantitative phase image of a cell in saline (scikit-image `data.cell()`; Müller et
  al., 2018), CC0.
- "ct": CT slice `CT_small.dcm` and "mr": MR slice `MR_small.dcm`, NEMA DICOM WG04 sample
  images (CT1_UNC, MR1_UNC) downsized to 128 and 64 px, as distributed with pydicom (MIT
  licence) for testing. The CT is shown through a soft-tissue window (W400/L40).

None is for clinical use. Taught in notebooks/09_image_enhancement.ipynb.
"""

from __future__ import annotations

import numpy as np

from medgan_course.validate import positive_int, positive_number

#: Soft-tissue window of CT (level 40 HU, width 400 HU): fat, muscle and organs stay distinct.
SOFT_TISSUE_WINDOW = (40.0, 400.0)


def window_hu(hu, level=40.0, width=400.0):
    """Maps Hounsfield units through a display window to [0, 1].

    Values below level - width/2 become 0 (black), above level + width/2 become 1 (white),
    linearly in between; e.g. the soft-tissue window W400/L40 spans -160 to 240 HU.

    Args:
        hu: array of Hounsfield units, any shape.
        level: window centre in HU.
        width: window width in HU, > 0.

    Returns:
        float32 array of the same shape in [0, 1].
    """
    width = positive_number("window width", width)
    low = level - width / 2.0
    return np.clip((np.asarray(hu, dtype=np.float32) - low) / width, 0.0, 1.0).astype(np.float32)


def _dicom_path(name):
    """Path of one of pydicom's bundled test files, never downloading it."""
    try:
        from pydicom.data import get_testdata_file
    except ImportError as err:
        raise ImportError("shipped DICOM images need pydicom: pip install pydicom") from err
    path = get_testdata_file(name, download=False)
    if path is None:
        raise FileNotFoundError(f"pydicom's test file {name} is not installed with pydicom.")
    return path


def load_ct_slice():
    """Reads pydicom's CT test slice and converts it to Hounsfield units.

    HU = stored value * RescaleSlope + RescaleIntercept (DICOM's modality LUT); the stored
    values themselves are not HU.

    Returns:
        (hu, metadata): hu is a (128, 128) float32 array of Hounsfield units (air about
        -1000, water 0, bone several hundred and above); metadata is a dict with "slope",
        "intercept", "pixel_spacing_mm", "slice_thickness_mm", "modality", "manufacturer",
        "source".
    """
    import pydicom

    dataset = pydicom.dcmread(_dicom_path("CT_small.dcm"))
    slope = float(getattr(dataset, "RescaleSlope", 1.0))
    intercept = float(getattr(dataset, "RescaleIntercept", 0.0))
    hu = dataset.pixel_array.astype(np.float32) * slope + intercept
    metadata = {
        "slope": slope,
        "intercept": intercept,
        "pixel_spacing_mm": tuple(float(s) for s in dataset.PixelSpacing),
        "slice_thickness_mm": float(dataset.SliceThickness),
        "modality": str(dataset.Modality),
        "manufacturer": str(dataset.get("Manufacturer", "")),
        "source": "pydicom test file CT_small.dcm: NEMA DICOM WG04 sample CT1_UNC, downsized",
    }
    return hu, metadata


def _mr_slice():
    """pydicom's MR test slice scaled by its 1st-99th percentiles to [0, 1]."""
    import pydicom

    pixels = pydicom.dcmread(_dicom_path("MR_small.dcm")).pixel_array.astype(np.float32)
    low, high = np.percentile(pixels, [1, 99])  # MR intensities have no absolute unit
    return np.clip((pixels - low) / (high - low), 0.0, 1.0)


def _skimage_images():
    """The bundled medical-ish scikit-image images as 2-D float arrays in [0, 1]."""
    from skimage import color, data

    return {
        # Green channel: blood vessels and lesions absorb green light most, so it has the most
        # contrast, which is why fundus image analysis usually starts from it.
        "retina": data.retina()[..., 1] / 255.0,
        "microaneurysms": data.microaneurysms() / 255.0,
        "immunohistochemistry": color.rgb2gray(data.immunohistochemistry()),
        "cell": data.cell() / 255.0,
    }


def _center_square(image):
    """The largest centred square crop of a 2-D image."""
    height, width = image.shape
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return image[top:top + side, left:left + side]


def shipped_images(image_size=64):
    """The shipped real images, as single-channel model-range arrays.

    Args:
        image_size: side in pixels of the centred square crop each image is resized to (with
            anti-aliasing); None keeps every image at its native size and aspect.

    Returns:
        dict name -> (H, W, 1) float32 array in [-1, 1]; names "retina", "microaneurysms",
        "immunohistochemistry", "cell", "ct" (soft-tissue window), "mr". H = W = image_size
        unless image_size is None.
    """
    if image_size is not None and (not isinstance(image_size, int) or image_size < 8):
        raise ValueError(f"image_size must be an int >= 8 or None, got {image_size!r}.")
    from skimage.transform import resize

    images = _skimage_images()
    hu, _ = load_ct_slice()
    images["ct"] = window_hu(hu, *SOFT_TISSUE_WINDOW)
    images["mr"] = _mr_slice()
    result = {}
    for name, image in images.items():
        image = np.asarray(image, dtype=np.float32)
        if image_size is not None:
            image = resize(_center_square(image), (image_size, image_size), anti_aliasing=True)
        result[name] = (np.clip(image, 0.0, 1.0) * 2.0 - 1.0).astype(np.float32)[..., None]
    return result


def extract_patches(images, patch_size, stride):
    """Cuts overlapping square patches out of a few large images (a training set from them).

    Args:
        images: (H, W, C) or (N, H, W, C) array, e.g. one value of `shipped_images(None)`.
        patch_size: side of each patch in pixels, at most min(H, W).
        stride: step between patch corners in pixels, >= 1 (stride < patch_size overlaps).

    Returns:
        (P, patch_size, patch_size, C) array of the input's dtype, patches in row-major order
        within each image, images one after another; P = N * rows * cols with
        rows = (H - patch_size) // stride + 1 and cols likewise.
    """
    array = np.asarray(images)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4:
        raise ValueError(f"images must be (H, W, C) or (N, H, W, C), got shape {np.shape(images)}.")
    height, width = array.shape[1:3]
    if not (isinstance(patch_size, int) and 1 <= patch_size <= min(height, width)):
        raise ValueError(
            f"patch_size must be an int in [1, {min(height, width)}], got {patch_size!r}."
        )
    stride = positive_int("stride", stride)
    windows = np.lib.stride_tricks.sliding_window_view(array, (patch_size, patch_size), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]  # (N, rows, cols, C, p, p)
    patches = np.moveaxis(windows, 3, -1)     # (N, rows, cols, p, p, C)
    return np.ascontiguousarray(patches.reshape(-1, patch_size, patch_size, array.shape[-1]))
