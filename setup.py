"""The build: the package (pyproject.toml), plus the planner's hot modules compiled with mypyc.

`landbridge.native.MODULES` are compiled into C extensions (one mypyc group) when mypyc (a build requirement,
pinned in pyproject.toml) and a C compiler work; if either fails, the install goes on with the pure-Python modules
(one warning) and landbridge runs the same, slower. The build writes `landbridge/native_build.txt`, the sha256 of
every source compiled, after the extensions are built (and deletes a previous one first): at import landbridge runs
the extensions only while every source still matches it (landbridge/native.py). LANDBRIDGE_BUILD_NATIVE=0 skips
the compilation.

mypy type-checks the modules here with their dependencies as `Any` (the build environment has only the build
requirements): the same code whatever is installed, and the modules' types are checked in full by `mypy src`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "src" / "landbridge"


def _native_module():  # landbridge/native.py alone: the package's other imports are not installed yet
    spec = importlib.util.spec_from_file_location("landbridge_native_build", PACKAGE / "native.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


native = _native_module()
PLACEHOLDER = Extension(f"{native.GROUP}__placeholder", sources=[])  # replaced by mypyc's extensions in run()


# Run in a child process (cwd: this folder): mypyc writes the C files to build/, prints the extensions as JSON.
CODEGEN = """
import json, sys
from mypyc.build import mypycify
exts = mypycify(json.loads(sys.argv[1]), group_name=sys.argv[2], opt_level="3")
keys = ("name", "sources", "include_dirs", "define_macros", "undef_macros", "library_dirs", "libraries",
        "runtime_library_dirs", "extra_objects", "extra_compile_args", "extra_link_args", "depends", "language")
print(json.dumps([{k: getattr(e, k) for k in keys} for e in exts]))
"""


def _say(message: str) -> None:
    print(f"landbridge build: {message}", file=sys.stderr)


class BuildNative(build_ext):
    """build_ext that compiles the modules with mypyc when it can, and never fails the install for it."""

    def run(self) -> None:
        in_place = bool(self.inplace or getattr(self, "editable_mode", False))
        manifest = PACKAGE / native.MANIFEST
        if in_place:
            manifest.unlink(missing_ok=True)  # written again only once the new extensions are in place
        self.extensions = []
        self.distribution.ext_modules = []
        if os.environ.get("LANDBRIDGE_BUILD_NATIVE", "") == "0":
            _say("LANDBRIDGE_BUILD_NATIVE=0: pure-Python modules")
            self._drop_in_place(in_place)
            return
        try:
            self.distribution.ext_modules = self._mypyc_extensions()
            self.swig_opts = None  # (finalize_options splits it again; no SWIG here)
            self.finalize_options()  # setuptools' settings for the new extensions (sets self.extensions)
            super().run()
        except Exception as exc:
            _say(f"the modules were not compiled ({type(exc).__name__}: {exc}); pure-Python modules are used")
            self.extensions = self.distribution.ext_modules = []
            self._drop_in_place(in_place)
            return
        roots = [Path(self.build_lib) / "landbridge"] + ([PACKAGE] if in_place else [])
        for root in roots:
            if root.is_dir():
                found = native.extension_files(str(root))
                if set(found) == set(native.MODULES):
                    text = native.manifest_text(str(PACKAGE), found)  # the digests of the sources compiled
                    (root / native.MANIFEST).write_text(text, encoding="utf-8")
        _say(f"compiled {len(native.MODULES)} modules with mypyc")

    def _mypyc_extensions(self) -> list[Extension]:
        """mypyc's C files (in build/) and extensions, made in a child process: a crash of mypyc (a compiled
        program) then fails the compilation, not the install."""
        paths = [str(Path("src") / "landbridge" / Path(*m.split(".")[1:])) + ".py" for m in native.MODULES]
        flags = ["--config-file", "", "--ignore-missing-imports", "--follow-imports", "silent"]
        flags += ["--python-version", f"{sys.version_info[0]}.{sys.version_info[1]}"]
        done = subprocess.run(
            [sys.executable, "-c", CODEGEN, json.dumps(flags + paths), native.GROUP],
            check=False,
            cwd=HERE,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            rc = done.returncode
            how = f"was killed by signal {-rc}" if rc < 0 else f"exited with {rc}"  # (2.4.1 segfaults on some code)
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise RuntimeError(f"mypyc {how}: " + " | ".join(tail))
        exts = json.loads(done.stdout.strip().splitlines()[-1])
        for e in exts:
            e["define_macros"] = [tuple(m) for m in e["define_macros"]]
        return [Extension(**e) for e in exts]

    def _drop_in_place(self, in_place: bool) -> None:
        """An in-place build that compiled nothing removes the extensions of an earlier build (never stale)."""
        if in_place:
            for path in native.extension_files(str(PACKAGE)).values():
                Path(path).unlink()
            for path in PACKAGE.parent.glob(f"{native.GROUP}__mypyc.*"):
                path.unlink()

    def get_outputs(self) -> list[str]:
        return super().get_outputs() if self.extensions and self.extensions != [PLACEHOLDER] else []


setup(ext_modules=[PLACEHOLDER], cmdclass={"build_ext": BuildNative})
