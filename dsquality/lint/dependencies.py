"""What a project declares it depends on, and which distribution an import comes from.

:func:`declared_dependencies` reads the project's dependency files once per lint run —
``pyproject.toml`` (PEP 621 ``[project]``, PEP 735 ``[dependency-groups]``, Poetry),
``requirements*.txt`` (and ``requirements/*.txt``, following ``-r``), ``environment.yml``
(conda and its ``pip:`` list), ``setup.cfg``, ``Pipfile`` and literal lists in ``setup.py`` — and
returns the declared distribution names normalised as in PEP 503. It returns ``None`` when the
project has no dependency file, or when one cannot be read or resolved (a broken TOML file,
dependencies computed in ``setup.py``): the undeclared-dependency rule then stays silent rather
than guess.

:func:`import_distributions` maps an imported module to the distributions that may provide it
(``sklearn`` -> ``scikit-learn``), from a curated table of the common mismatches, the namespace
packages (``google.cloud.storage`` -> ``google-cloud-storage``) and the installed environment.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from dsquality.lint.rules._regex import lazy_regex

# The parsers are imported where a dependency file is read: the rules import this module at every start.
if TYPE_CHECKING:
    import configparser

__all__ = [
    "DeclaredDependencies",
    "declared_dependencies",
    "dependency_files",
    "import_distributions",
    "is_known_module",
    "is_platform_module",
    "is_stdlib_module",
    "namespace_prefix",
    "normalize_name",
    "read_dependencies",
]

_NORMALIZE = re.compile(r"[-_.]+")
# The dependency files' syntax, compiled when one is read: a project without one never needs it.
# A PEP 508 name at the start of a requirement (``name[extra] >= 1; marker``, ``name @ url``).
_REQUIREMENT_NAME = lazy_regex(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?=$|[\[<>=!~;@(,\s*])")
_EGG = lazy_regex(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_URL = lazy_regex(r"^\s*(?:[a-z][a-z0-9+.-]*://|git\+|hg\+|svn\+|bzr\+)", re.IGNORECASE)
_ARCHIVE = lazy_regex(r"([A-Za-z0-9][A-Za-z0-9._]*?)-\d[^/\\]*\.(?:whl|tar\.gz|tar\.bz2|zip|tgz)$")
_COMMENT = lazy_regex(r"(^|\s)#.*$")
_CONDA_CHANNEL = lazy_regex(r"^[^\s:]+::")

# conda package names whose PyPI distribution is named differently.
_CONDA_TO_PYPI = {
    "pytorch": "torch",
    "py-xgboost": "xgboost",
    "py-xgboost-cpu": "xgboost",
    "py-xgboost-gpu": "xgboost",
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "python-graphviz": "graphviz",
    "py-opencv": "opencv-python",
    "opencv": "opencv-python",
    "tensorflow-base": "tensorflow",
    "pyqt": "pyqt5",
    "libgdal": "gdal",
    "py-lightgbm": "lightgbm",
    "lightgbm": "lightgbm",
    "r-base": "r-base",
}

# Import name -> distributions that provide it, where the two names differ. The first is the one
# to suggest. Names are normalised (PEP 503).
_IMPORT_TO_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "cv2": (
        "opencv-python",
        "opencv-python-headless",
        "opencv-contrib-python",
        "opencv-contrib-python-headless",
        "opencv",
        "py-opencv",
    ),
    "PIL": ("pillow", "pil"),
    "yaml": ("pyyaml",),
    "bs4": ("beautifulsoup4", "bs4"),
    "dateutil": ("python-dateutil",),
    "dotenv": ("python-dotenv",),
    "attr": ("attrs",),
    "jwt": ("pyjwt",),
    "Crypto": ("pycryptodome", "pycrypto"),
    "Cryptodome": ("pycryptodomex",),
    "OpenSSL": ("pyopenssl",),
    "mpl_toolkits": ("matplotlib", "basemap"),
    "pylab": ("matplotlib",),
    "zmq": ("pyzmq",),
    "serial": ("pyserial",),
    "usb": ("pyusb",),
    "MySQLdb": ("mysqlclient",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "gi": ("pygobject",),
    "git": ("gitpython",),
    "github": ("pygithub",),
    "fitz": ("pymupdf",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "magic": ("python-magic",),
    "slugify": ("python-slugify",),
    "jose": ("python-jose",),
    "multipart": ("python-multipart",),
    "socketio": ("python-socketio",),
    "telegram": ("python-telegram-bot",),
    "Levenshtein": ("levenshtein", "python-levenshtein"),
    "Bio": ("biopython",),
    "OpenGL": ("pyopengl",),
    "wx": ("wxpython",),
    "umap": ("umap-learn",),
    "faiss": ("faiss-cpu", "faiss-gpu", "faiss"),
    "osgeo": ("gdal",),
    "win32api": ("pywin32",),
    "win32com": ("pywin32",),
    "pythoncom": ("pywin32",),
    "pkg_resources": ("setuptools",),
    "grpc": ("grpcio",),
    "tensorflow": (
        "tensorflow",
        "tensorflow-cpu",
        "tensorflow-gpu",
        "tensorflow-macos",
        "tf-nightly",
        "intel-tensorflow",
    ),
    "torch": ("torch", "pytorch"),
    # Bundled with (and installed by) a declared framework.
    "keras": ("keras", "tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos", "tf-nightly"),
    "tensorboard": ("tensorboard", "tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly"),
    "botocore": ("botocore", "boto3"),
    "xgboost": ("xgboost", "py-xgboost"),
    "tables": ("tables", "pytables"),
    "graphviz": ("graphviz", "python-graphviz"),
    "sentencepiece": ("sentencepiece",),
    "lightgbm": ("lightgbm",),
    "ruamel": ("ruamel-yaml",),
    "jupyter_dash": ("jupyter-dash",),
    "pydantic_settings": ("pydantic-settings",),
}

# Namespace packages and the second components under which the distribution name takes a third
# (``google.cloud.storage`` comes from ``google-cloud-storage``, ``azure.identity`` from ``azure-identity``).
_NAMESPACE_PACKAGES = {
    "google": frozenset({"cloud"}),
    "azure": frozenset({"storage", "mgmt", "ai", "keyvault", "monitor", "synapse", "communication", "data"}),
    "azureml": frozenset({"pipeline", "train", "contrib", "automl"}),
}
_NAMESPACE_SPECIAL = {
    "google.protobuf": "protobuf",
    "google.auth": "google-auth",
    "google.oauth2": "google-auth",
    "google.api_core": "google-api-core",
    "google.genai": "google-genai",
    "google.generativeai": "google-generativeai",
    "googleapiclient": "google-api-python-client",
}

# Python 2 standard modules and modules removed from recent Python 3 versions.
_OLD_STDLIB = frozenset({
    "__builtin__", "anydbm", "BaseHTTPServer", "CGIHTTPServer", "ConfigParser", "Cookie", "cookielib",
    "copy_reg", "cPickle", "commands", "cStringIO", "dbhash", "dircache", "distutils", "dumbdbm",
    "dummy_thread", "dummy_threading", "exceptions", "gdbm", "htmlentitydefs", "HTMLParser", "httplib",
    "imp", "markupbase", "md5", "mimetools", "new", "popen2", "Queue", "repr", "robotparser", "sets", "sha",
    "SimpleHTTPServer", "SocketServer", "StringIO", "thread", "Tkinter", "tkMessageBox", "tkFileDialog",
    "ttk", "urllib2", "urlparse", "UserDict", "UserList", "UserString", "whichdb", "xmlrpclib",
    "asynchat", "asyncore", "smtpd", "imghdr", "cgi", "cgitb", "crypt", "telnetlib", "nntplib", "pipes",
})  # fmt: skip

# Modules the notebook platform itself provides: never a project dependency.
_PLATFORM_MODULES = frozenset({"IPython", "ipykernel", "google.colab", "kaggle_secrets", "kaggle_datasets"})

_REQUIREMENTS_GLOBS = ("requirements*.txt", "requirements/*.txt")
_ENVIRONMENT_FILES = ("environment.yml", "environment.yaml")


def normalize_name(name: str) -> str:
    """A distribution name normalised as in PEP 503 (``Scikit_Learn`` -> ``scikit-learn``)."""
    return _NORMALIZE.sub("-", name).lower()


def is_stdlib_module(module: str) -> bool:
    """True for modules of the standard library (including Python 2 and removed ones)."""
    top = module.split(".", 1)[0]
    return top in sys.stdlib_module_names or top in _OLD_STDLIB or top == "__main__"


def is_platform_module(module: str) -> bool:
    """True for modules the notebook platform provides (IPython, ``google.colab``…)."""
    top = module.split(".", 1)[0]
    return top in _PLATFORM_MODULES or module in _PLATFORM_MODULES or module.startswith("google.colab.")


# A named tuple and a plain class rather than dataclasses: every ``dsq lint`` imports this module,
# and a dataclass costs about five times as much to create.
class DeclaredDependencies(NamedTuple):
    """The normalised names a project declares and the files they were read from."""

    names: frozenset[str]
    files: tuple[Path, ...]


class _Reader:
    """What the dependency files read so far declare."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.names: set[str] = set()
        self.files: list[Path] = []
        self.unresolved = False  # dependencies we could not read: stay silent
        self.seen: set[Path] = set()

    def add(self, names: Iterable[str]) -> None:
        self.names.update(normalize_name(name) for name in names if name)


def declared_dependencies(project_root: Path) -> frozenset[str] | None:
    """The distribution names the project's dependency files declare, normalised (PEP 503).

    ``None`` when the project has no dependency file, or one of them cannot be read.
    """
    declared = read_dependencies(project_root)
    return declared.names if declared is not None else None


def dependency_files(project_root: Path) -> tuple[Path, ...]:
    """The dependency files present under ``project_root`` (without reading them)."""
    candidates: list[Path] = [project_root / "pyproject.toml"]
    for pattern in _REQUIREMENTS_GLOBS:
        candidates.extend(sorted(project_root.glob(pattern)))
    candidates += [project_root / name for name in (*_ENVIRONMENT_FILES, "setup.cfg", "setup.py", "Pipfile")]
    return tuple(path for path in candidates if path.is_file())


def read_dependencies(project_root: Path) -> DeclaredDependencies | None:
    """Read every dependency file of the project; ``None`` when there is none or one is unreadable."""
    reader = _Reader(project_root)
    _read_pyproject(reader, project_root / "pyproject.toml")
    for pattern in _REQUIREMENTS_GLOBS:
        for path in sorted(project_root.glob(pattern)):
            _read_requirements(reader, path, record=True)
    for name in _ENVIRONMENT_FILES:
        _read_environment(reader, project_root / name)
    _read_setup_cfg(reader, project_root / "setup.cfg")
    _read_pipfile(reader, project_root / "Pipfile")
    _read_setup_py(reader, project_root / "setup.py")
    if reader.unresolved or not reader.files:
        return None
    return DeclaredDependencies(frozenset(reader.names), tuple(reader.files))


# --- the file formats -----------------------------------------------------------------------


def requirement_name(line: str) -> str | None:
    """The distribution name of one requirement (PEP 508, a URL with ``#egg=``, an archive)."""
    egg = _EGG().search(line)
    if egg:
        return egg.group(1)
    text = line.strip()
    if _URL().match(text) or text.startswith((".", "/", "~")) or re.match(r"^[A-Za-z]:[\\/]", text):
        archive = _ARCHIVE().search(text.split("#", 1)[0].rstrip("/"))
        return archive.group(1) if archive else None
    match = _REQUIREMENT_NAME().match(text)
    return match.group(1) if match else None


def _read_text(reader: _Reader, path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        reader.unresolved = True
        return None


_Parsed = TypeVar("_Parsed")


def _parsed(
    reader: _Reader,
    path: Path,
    parse: Callable[[str], _Parsed],
    errors: type[Exception] | tuple[type[Exception], ...],
) -> _Parsed | None:
    """The file at ``path`` as ``parse`` reads it; None if it is absent, unreadable or malformed (unresolved)."""
    text = _read_text(reader, path) if path.is_file() else None
    if text is None:
        return None
    try:
        return parse(text)
    except errors:
        reader.unresolved = True
        return None


def _read_requirements(reader: _Reader, path: Path, *, record: bool) -> None:
    resolved = path.resolve()
    if resolved in reader.seen:  # included by another file already (or an include cycle)
        if record and resolved not in {file.resolve() for file in reader.files}:
            reader.files.append(path)
        return
    reader.seen.add(resolved)
    if not path.is_file():
        reader.unresolved = True  # a -r include or a dynamic file that does not exist
        return
    text = _read_text(reader, path)
    if text is None:
        return
    if record:
        reader.files.append(path)
    reader.add(_requirement_lines(reader, path, text.replace("\\\n", " ").splitlines()))


def _requirement_lines(reader: _Reader, path: Path, lines: Iterable[str]) -> Iterable[str]:
    for raw_line in lines:
        line = _COMMENT().sub("", raw_line).strip() if "#egg=" not in raw_line else raw_line.strip()
        if not line:
            continue
        if line.startswith("-"):
            option, _, value = line.partition(" ") if " " in line else line.partition("=")
            value = value.strip().lstrip("=").strip()
            if option in {"-r", "--requirement"} and value:
                _read_requirements(reader, path.parent / value, record=False)
            elif option.startswith("-r") and option != "-r":  # ``-rfile.txt``
                _read_requirements(reader, path.parent / option.removeprefix("-r"), record=False)
            elif option in {"-e", "--editable"} and value:
                name = requirement_name(value)
                if name:
                    yield name
            continue
        name = requirement_name(line)
        if name:
            yield name


def _read_pyproject(reader: _Reader, path: Path) -> None:
    if not path.is_file():
        return
    import tomllib  # noqa: PLC0415 - see the imports

    data = _parsed(reader, path, tomllib.loads, tomllib.TOMLDecodeError)
    if data is None:
        return
    tool = data.get("tool")
    tool = tool if isinstance(tool, dict) else {}
    declares = _pyproject_project(reader, path, data.get("project"), tool)
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        declares = True
        for group in groups.values():
            reader.add(_strings_names(group))
    declares = _pyproject_poetry(reader, tool.get("poetry")) or declares
    for extra in (_nested(tool, "uv", "dev-dependencies"), _nested(tool, "pdm", "dev-dependencies")):
        groups = extra.values() if isinstance(extra, dict) else [extra]
        for group in groups:
            reader.add(_strings_names(group))
    if declares:
        reader.files.append(path)


def _pyproject_project(reader: _Reader, path: Path, project: object, tool: Mapping[str, Any]) -> bool:
    """PEP 621 ``[project]``: its name, dependencies and extras. True when the table exists."""
    if not isinstance(project, dict):
        return False
    if isinstance(project.get("name"), str):
        reader.add([project["name"]])
    reader.add(_strings_names(project.get("dependencies")))
    optional = project.get("optional-dependencies")
    if isinstance(optional, dict):
        for group in optional.values():
            reader.add(_strings_names(group))
    dynamic = project.get("dynamic")
    if isinstance(dynamic, list) and {"dependencies", "optional-dependencies"} & set(dynamic):
        _read_dynamic(reader, path, tool)
    return True


def _pyproject_poetry(reader: _Reader, poetry: object) -> bool:
    """``[tool.poetry]`` dependency tables. True when there is one."""
    if not isinstance(poetry, dict):
        return False
    if isinstance(poetry.get("name"), str):
        reader.add([poetry["name"]])
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    poetry_groups = poetry.get("group")
    if isinstance(poetry_groups, dict):
        tables += [group.get("dependencies") for group in poetry_groups.values() if isinstance(group, dict)]
    declares = False
    for table in tables:
        if isinstance(table, dict):
            declares = True
            reader.add(name for name in table if name.lower() != "python")
    return declares


def _read_dynamic(reader: _Reader, path: Path, tool: Mapping[str, Any]) -> None:
    """``dynamic = ["dependencies"]``: follow setuptools' or hatch's requirement files."""
    files: list[str] = []
    setuptools_dynamic = _nested(tool, "setuptools", "dynamic")
    if isinstance(setuptools_dynamic, dict):
        for key in ("dependencies", "optional-dependencies"):
            entry = setuptools_dynamic.get(key)
            entries = entry.values() if key == "optional-dependencies" and isinstance(entry, dict) else [entry]
            for item in entries:
                spec = item.get("file") if isinstance(item, dict) else None
                files += [spec] if isinstance(spec, str) else [f for f in spec or [] if isinstance(f, str)]
    hatch = _nested(tool, "hatch", "metadata", "hooks", "requirements_txt", "files")
    if isinstance(hatch, list):
        files += [f for f in hatch if isinstance(f, str)]
    if files:
        for name in files:
            _read_requirements(reader, path.parent / name, record=True)
    elif not any(path.parent.glob("requirements*.txt")):
        reader.unresolved = True  # computed by a build backend we do not run


def _read_environment(reader: _Reader, path: Path) -> None:
    if not path.is_file():
        return
    import yaml  # noqa: PLC0415 - only projects with an environment.yml need it

    data = _parsed(reader, path, yaml.safe_load, yaml.YAMLError)
    dependencies = data.get("dependencies") if isinstance(data, dict) else None
    if not isinstance(dependencies, list):
        return
    reader.files.append(path)
    for entry in dependencies:
        if isinstance(entry, str):
            name = requirement_name(_CONDA_CHANNEL().sub("", entry).split("=", 1)[0])
            if name and name.lower() not in {"python", "pip"}:
                reader.add([name, _CONDA_TO_PYPI.get(name.lower(), name)])
        elif isinstance(entry, dict) and isinstance(entry.get("pip"), list):
            lines = [line for line in entry["pip"] if isinstance(line, str)]
            reader.add(_requirement_lines(reader, path, lines))


def _config_parser(text: str) -> configparser.ConfigParser:
    import configparser  # noqa: PLC0415 - see the imports

    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def _read_setup_cfg(reader: _Reader, path: Path) -> None:
    if not path.is_file():
        return
    import configparser  # noqa: PLC0415 - see the imports

    parser = _parsed(reader, path, _config_parser, configparser.Error)
    if parser is None:
        return
    requires = parser.get("options", "install_requires", fallback=None)
    if requires is None:
        return  # a setup.cfg holding only tool settings (flake8…) declares nothing
    reader.files.append(path)
    if requires.strip().startswith("file:"):
        for name in requires.strip()[5:].split(","):
            _read_requirements(reader, path.parent / name.strip(), record=True)
    else:
        reader.add(_lines_names(requires))
    if parser.has_option("metadata", "name"):
        reader.add([parser.get("metadata", "name")])
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            reader.add(_lines_names(value))


def _read_pipfile(reader: _Reader, path: Path) -> None:
    if not path.is_file():
        return
    import tomllib  # noqa: PLC0415 - see the imports

    data = _parsed(reader, path, tomllib.loads, tomllib.TOMLDecodeError)
    if data is None:
        return
    reader.files.append(path)
    for key in ("packages", "dev-packages"):
        table = data.get(key)
        if isinstance(table, dict):
            reader.add(table)


def _read_setup_py(reader: _Reader, path: Path) -> None:
    """Literal ``install_requires``/``extras_require`` of ``setup(...)``; anything computed is unresolved."""
    tree = _parsed(reader, path, ast.parse, (SyntaxError, ValueError))
    if tree is None:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and any(k.arg == "install_requires" for k in node.keywords):
            for keyword in node.keywords:
                if keyword.arg in {"install_requires", "extras_require", "name"}:
                    _setup_keyword(reader, path, keyword)
            reader.files.append(path)
            return


def _setup_keyword(reader: _Reader, path: Path, keyword: ast.keyword) -> None:
    try:
        value = ast.literal_eval(keyword.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        # Computed (often read from requirements.txt): fine if we read that file.
        if keyword.arg == "install_requires" and not any(path.parent.glob("requirements*.txt")):
            reader.unresolved = True
        return
    if keyword.arg == "name" and isinstance(value, str):
        reader.add([value])
    elif isinstance(value, dict):
        for group in value.values():
            reader.add(_strings_names(group))
    else:
        reader.add(_strings_names(value))


def _nested(mapping: Mapping[str, Any], *keys: str) -> object:
    value: object = mapping
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _strings_names(value: object) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return []
    names = (requirement_name(item) for item in value if isinstance(item, str))
    return [name for name in names if name]


def _lines_names(text: str) -> list[str]:
    lines = (_COMMENT().sub("", line).strip() for line in text.replace(";", "\n;").splitlines())
    names = (requirement_name(line) for line in lines if line and not line.startswith(";"))
    return [name for name in names if name]


# --- imports to distributions ---------------------------------------------------------------


@functools.cache
def _installed() -> Mapping[str, tuple[str, ...]]:
    """Top-level import names of the distributions installed on ``sys.path`` (read once).

    Like :func:`importlib.metadata.packages_distributions`, but reading ``top_level.txt`` and
    ``RECORD`` as text: about ten times faster, which matters since each lint worker pays it.
    """
    found: dict[str, list[str]] = {}
    for entry in sys.path:
        try:
            infos = [path for path in Path(entry or ".").iterdir() if path.suffix in {".dist-info", ".egg-info"}]
        except OSError:
            continue
        for info in infos:
            distribution = info.name.split("-", 1)[0]
            for top in _top_level_names(info):
                found.setdefault(top, []).append(distribution)
    return {top: tuple(dict.fromkeys(names)) for top, names in found.items()}


def _top_level_names(info: Path) -> set[str]:
    for name in ("top_level.txt", "RECORD", "installed-files.txt"):
        try:
            text = (info / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if name == "top_level.txt":
            return {line.strip().replace("/", ".").split(".")[0] for line in text.splitlines() if line.strip()}
        names: set[str] = set()
        for line in text.splitlines():
            path = line.split(",", 1)[0]
            if path.startswith(".."):  # scripts and data installed outside site-packages
                continue
            top = path.split("/", 1)[0]
            if top.endswith(".py"):
                top = top[:-3]
            elif "/" not in path:  # a file at the top of site-packages that is not a module
                continue
            if top.isidentifier() and top != "__pycache__":
                names.add(top)
        return names
    return set()


def import_distributions(module: str, names: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The normalised distributions that may provide ``module``; the first is the one to suggest.

    ``names`` are the names of a ``from module import …``: ``from google.cloud import storage``
    comes from ``google-cloud-storage``.
    """
    parts = module.split(".")
    top = parts[0]
    if top in _NAMESPACE_PACKAGES:
        return (_namespace_distribution(parts, names),)
    if top in _NAMESPACE_SPECIAL:
        return (_NAMESPACE_SPECIAL[top],)
    found = list(_IMPORT_TO_DISTRIBUTIONS.get(top, ()))
    if not found:
        found.append(normalize_name(top))
        found += [normalize_name(name) for name in _installed().get(top, ())]
    return tuple(dict.fromkeys(found))


def is_known_module(module: str) -> bool:
    """True when ``module`` is in the curated table, a namespace package, or installed here."""
    top = module.split(".", 1)[0]
    return top in _IMPORT_TO_DISTRIBUTIONS or top in _NAMESPACE_PACKAGES or top in _installed()


def namespace_prefix(module: str) -> str | None:
    """``google-`` for ``google.cloud.storage``: any declared ``google-…`` distribution may provide it.

    Namespace packages are split over many distributions whose names follow the import path only
    roughly (``azureml.train.automl`` comes from ``azureml-train-automl-client``), so a module
    under one counts as declared when any distribution of the family is.
    """
    top = module.split(".", 1)[0]
    return f"{top}-" if top in _NAMESPACE_PACKAGES else None


def _namespace_distribution(parts: list[str], names: tuple[str, ...]) -> str:
    top = parts[0]
    if len(parts) > 1 and ".".join(parts[:2]) in _NAMESPACE_SPECIAL:
        return _NAMESPACE_SPECIAL[".".join(parts[:2])]
    if top == "google" and len(parts) == 2 and parts[1] == "cloud" and len(names) == 1:  # noqa: PLR2004
        parts = [*parts, names[0]]  # ``from google.cloud import storage``
    if len(parts) == 1:
        return top
    deep = parts[1] in _NAMESPACE_PACKAGES[top] and len(parts) > 2  # noqa: PLR2004
    return normalize_name("-".join(parts[:3] if deep else parts[:2]))
