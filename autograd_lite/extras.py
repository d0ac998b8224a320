"""Import an optional package of the ``demo`` extra, or raise a clear, named error.

matplotlib, scikit-learn, tqdm and h5py are not runtime dependencies: the code that needs one
imports it here, inside the function that uses it, so ``import autograd_lite`` never pays for
them and a missing one names the feature and the fix.
"""

from __future__ import annotations

import importlib

INSTALL_HINT = 'pip install "autograd-lite[demo]"'


def require(module: str, feature: str, error: type[Exception]):
    """Return the imported ``module``; raise ``error`` naming ``feature`` when it is absent."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        package = module.split(".")[0]
        raise error(
            f"{feature} needs the optional package {package!r}, which is not installed "
            f"({e}); install the demo extra: {INSTALL_HINT}"
        ) from None
