"""Paths through a generator's latent space: linear and spherical interpolation, directions.

Pure NumPy (no TensorFlow). The latent vectors of the course's GANs are standard normal,
`(latent_dim,)` float32. In many dimensions such vectors concentrate on a thin shell of radius
about `sqrt(latent_dim)`; the straight line between two of them dips inside that shell (its
midpoint has norm about `sqrt(latent_dim / 2)`), so the generator is asked about points it
never saw in training. Spherical interpolation ("slerp", Shoemake 1985, proposed for generative
models by White 2016, "Sampling Generative Networks") follows the arc instead and keeps the
norm. Smooth image changes along such paths are also a classic (weak) sign that a generator
has not merely memorized its training images (Radford et al., DCGAN, 2016).
Taught in notebooks/06_evaluating_gans.ipynb.
"""

from __future__ import annotations

import numpy as np

__all__ = ["lerp", "slerp", "interpolate", "random_directions", "move_along", "INTERPOLATIONS"]

#: The kinds `interpolate` accepts.
INTERPOLATIONS = ("linear", "slerp")

# Below this angle (radians) between the two vectors slerp's sin(omega) denominator loses
# precision; the arc is then indistinguishable from the chord, so linear interpolation is used.
_PARALLEL_ANGLE = 1e-4


def _endpoints(z0, z1):
    """Checks two latent vectors: float64 `(D,)` each, same D, finite."""
    a, b = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    if a.ndim != 1 or a.shape != b.shape or a.size == 0:
        raise ValueError(f"z0 and z1 must be 1-D vectors of one length; got shapes {a.shape}, {b.shape}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("z0 and z1 must be finite")
    return a, b


def _fractions(t):
    """t as a float64 array of values in [0, 1], and whether it was a scalar."""
    t = np.asarray(t, np.float64)
    if not np.isfinite(t).all() or t.min(initial=0.0) < 0.0 or t.max(initial=0.0) > 1.0:
        raise ValueError(f"t must lie in [0, 1]; got {t}")
    return np.atleast_1d(t), t.ndim == 0


def lerp(z0, z1, t) -> np.ndarray:
    """Linear interpolation `(1 - t) z0 + t z1`.

    Args:
        z0, z1: latent vectors `(D,)`.
        t: a fraction in [0, 1], or `(n,)` fractions.

    Returns:
        float32 `(D,)` for a scalar t, else `(n, D)`.
    """
    a, b = _endpoints(z0, z1)
    t, scalar = _fractions(t)
    z = (1.0 - t)[:, None] * a + t[:, None] * b
    return (z[0] if scalar else z).astype(np.float32)


def slerp(z0, z1, t) -> np.ndarray:
    """Spherical linear interpolation along the arc from z0 to z1.

    `sin((1 - t) w) / sin(w) * z0 + sin(t w) / sin(w) * z1`, where w is the angle between z0
    and z1. For vectors of equal norm every point keeps that norm; for unequal norms the norm
    changes smoothly between them. Nearly parallel vectors fall back to `lerp`; exactly
    opposite ones have no unique arc and raise.

    Args:
        z0, z1: latent vectors `(D,)`, neither all zeros.
        t: a fraction in [0, 1], or `(n,)` fractions.

    Returns:
        float32 `(D,)` for a scalar t, else `(n, D)`; t=0 gives z0 and t=1 gives z1.
    """
    a, b = _endpoints(z0, z1)
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    if norms == 0.0:
        raise ValueError("slerp needs two non-zero vectors (the angle to a zero vector is undefined)")
    omega = np.arccos(np.clip(a @ b / norms, -1.0, 1.0))
    if omega < _PARALLEL_ANGLE:
        return lerp(a, b, t)
    if np.pi - omega < _PARALLEL_ANGLE:
        raise ValueError("z0 and z1 point in opposite directions: the arc between them is not unique")
    t, scalar = _fractions(t)
    z = (np.sin((1.0 - t) * omega)[:, None] * a + np.sin(t * omega)[:, None] * b) / np.sin(omega)
    return (z[0] if scalar else z).astype(np.float32)


def interpolate(z0, z1, n: int, kind: str = "linear") -> np.ndarray:
    """`n` evenly spaced points from z0 to z1 (both ends included).

    Args:
        z0, z1: latent vectors `(D,)`.
        n: number of points, >= 2.
        kind: "linear" (the chord) or "slerp" (the arc).

    Returns:
        float32 `(n, D)`; row 0 is z0 and row n-1 is z1.
    """
    if kind not in INTERPOLATIONS:
        raise ValueError(f"kind must be one of {INTERPOLATIONS}; got {kind!r}")
    if int(n) < 2:
        raise ValueError(f"n must be >= 2 (the two ends); got {n}")
    t = np.linspace(0.0, 1.0, int(n))
    return lerp(z0, z1, t) if kind == "linear" else slerp(z0, z1, t)


def random_directions(latent_dim: int, k: int, seed: int = 0) -> np.ndarray:
    """k random orthonormal directions of the latent space (rows), seeded.

    Orthonormal so that moving along one slider does not secretly move along another.

    Args:
        latent_dim: D.
        k: number of directions, 1 <= k <= D.
        seed: NumPy seed.

    Returns:
        float32 `(k, D)` with unit-length, mutually orthogonal rows.
    """
    if not 1 <= k <= latent_dim:
        raise ValueError(f"need 1 <= k <= latent_dim; got k={k}, latent_dim={latent_dim}")
    gaussian = np.random.default_rng(seed).standard_normal((latent_dim, k))
    q, r = np.linalg.qr(gaussian)
    q *= np.sign(np.diag(r))  # a unique sign per column, so the result depends only on the seed
    return q.T.astype(np.float32)


def move_along(z, directions, amounts) -> np.ndarray:
    """`z + sum_i amounts[i] * directions[i]`: one point moved along some directions.

    Args:
        z: a latent vector `(D,)`.
        directions: `(k, D)` directions (e.g. from `random_directions`).
        amounts: `(k,)` how far to move along each (in latent units; N(0, 1) has SD 1).

    Returns:
        float32 `(D,)`.
    """
    z = np.asarray(z, np.float64)
    directions = np.asarray(directions, np.float64).reshape(-1, z.shape[-1])
    amounts = np.asarray(amounts, np.float64).reshape(-1)
    if z.ndim != 1 or len(amounts) != len(directions):
        raise ValueError(f"need z (D,), directions (k, D) and amounts (k,); got {z.shape}, "
                         f"{directions.shape}, {amounts.shape}")
    return (z + amounts @ directions).astype(np.float32)
