"""Generate, lint and drift-check the protobuf contracts in ``proto/``.

Run as ``python -m devstack.proto generate|lint|check`` from anywhere inside the
repository (``make proto`` runs ``generate``; CI runs ``lint`` and ``check``).

- ``generate`` lints, compiles every ``proto/**/*.proto`` with the protoc bundled in
  grpcio-tools into ``protogen/src/career`` (``*_pb2.py``, ``*_pb2.pyi``,
  ``*_pb2_grpc.py`` and an ``__init__.py`` per package), deletes generated files whose
  .proto is gone, and records new field numbers in ``proto/fields.lock.json``.
- ``lint`` enforces the conventions in ``proto/README.md``: package = folder and
  versioned, enum zero values ``<ENUM>_UNSPECIFIED``, field numbers never reused,
  service names ending in ``Service``, lower_snake file names.
- ``check`` regenerates into a temporary directory and fails if ``protogen/src/career``
  differs from it in any byte, or if the field ledger lacks current fields.

Every function takes the proto root and output directory as parameters, so tests
can point them at temporary trees.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import descriptor_pb2

PACKAGE = "career"
"""Top-level folder under ``proto/`` and top-level Python package of the generated code."""

LEDGER_NAME = "fields.lock.json"
"""File name of the field-number ledger, kept next to the .proto sources."""

Ledger = dict[str, dict[int, str]]
"""Message full name -> field number -> the field name first recorded for it."""

_VERSION = re.compile(r"v\d+")
_LOWER_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_CASE_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_CACHE_DIR = "__pycache__"


class ProtocError(RuntimeError):
    """protoc rejected the sources; its own messages have already gone to stderr."""


@dataclass(frozen=True, order=True)
class Violation:
    """One finding, printed as ``path: message``."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"{_display(self.path)}: {self.message}"


@dataclass(frozen=True)
class Paths:
    """Where the sources, the generated code and the ledger live."""

    proto_root: Path
    out_dir: Path
    ledger: Path


def repo_paths(start: Path | None = None) -> Paths:
    """Locate ``proto/``, ``protogen/src`` and the ledger of the repository around *start*.

    Walks up from *start* (default: the current directory) to the first directory
    holding both ``proto/`` and ``protogen/src/``, falling back to the checkout this
    module lives in, so the command works from any sub-folder.
    """
    here = (start or Path.cwd()).resolve()
    candidates = [here, *here.parents, Path(__file__).resolve().parents[3]]
    root = next(
        (c for c in candidates if (c / "proto").is_dir() and (c / "protogen" / "src").is_dir()),
        candidates[-1],
    )
    return Paths(root / "proto", root / "protogen" / "src", root / "proto" / LEDGER_NAME)


def proto_files(proto_root: Path) -> list[str]:
    """Return every .proto under *proto_root* as a sorted path relative to it."""
    return sorted(p.relative_to(proto_root).as_posix() for p in proto_root.rglob("*.proto"))


def _well_known_include() -> str:
    return str(importlib.resources.files("grpc_tools") / "_proto")


def _protoc(proto_root: Path, options: Sequence[str], files: Sequence[str]) -> None:
    """Run grpc_tools' protoc in-process with *proto_root* as the only source root."""
    from grpc_tools import protoc

    root = proto_root.resolve()
    args = ["protoc", f"-I{root}", f"-I{_well_known_include()}", *options]
    args += [str(root / f) for f in files]
    if protoc.main(args) != 0:
        raise ProtocError(f"protoc failed on {_display(proto_root)} (errors above)")


def compile_descriptors(proto_root: Path) -> descriptor_pb2.FileDescriptorSet:
    """Compile the tree and return its descriptors (without imported well-known types)."""
    files = proto_files(proto_root)
    result = descriptor_pb2.FileDescriptorSet()
    if not files:
        return result
    with tempfile.TemporaryDirectory(prefix="proto-lint-") as tmp:
        out = Path(tmp) / "descriptors.pb"
        _protoc(proto_root, [f"--descriptor_set_out={out}"], files)
        result.ParseFromString(out.read_bytes())
    return result


# --- lint --------------------------------------------------------------------------------


def upper_snake(name: str) -> str:
    """``PostStatus`` -> ``POST_STATUS``, ``HTTPMethod`` -> ``HTTP_METHOD``."""
    return _CASE_BOUNDARY.sub("_", name).upper()


def _messages(
    file: descriptor_pb2.FileDescriptorProto,
) -> Iterator[tuple[str, descriptor_pb2.DescriptorProto]]:
    """Yield (full name, message) for every message of *file*, nested ones included.

    Map entries are skipped: protoc synthesizes them and their numbers never change.
    """

    def walk(prefix: str, messages: Sequence[descriptor_pb2.DescriptorProto]):
        for message in messages:
            if message.options.map_entry:
                continue
            full_name = f"{prefix}.{message.name}" if prefix else message.name
            yield full_name, message
            yield from walk(full_name, message.nested_type)

    yield from walk(file.package, file.message_type)


def _enums(
    file: descriptor_pb2.FileDescriptorProto,
) -> Iterator[tuple[str, descriptor_pb2.EnumDescriptorProto]]:
    prefix = f"{file.package}." if file.package else ""
    for enum in file.enum_type:
        yield prefix + enum.name, enum
    for message_name, message in _messages(file):
        for enum in message.enum_type:
            yield f"{message_name}.{enum.name}", enum


def _lint_file(proto_root: Path, file: descriptor_pb2.FileDescriptorProto) -> list[Violation]:
    path = proto_root / file.name
    folder, _, file_name = file.name.rpartition("/")
    found: list[Violation] = []

    # 1. Package = folder, versioned, under career/.
    if folder.split("/")[0] != PACKAGE:
        found.append(Violation(path, f"every .proto must live under {PACKAGE}/<name>/v<N>/"))
    expected_package = folder.replace("/", ".")
    if file.package != expected_package:
        found.append(
            Violation(
                path,
                f"package `{file.package or '(none)'}` must match its folder: "
                f"`package {expected_package or '(none)'};`",
            )
        )
    components = file.package.split(".") if file.package else []
    if not components or not _VERSION.fullmatch(components[-1]):
        found.append(
            Violation(path, f"package `{file.package}` must end in a version such as `.v1`")
        )
    for component in components:
        if not _LOWER_SNAKE.fullmatch(component):
            found.append(Violation(path, f"package component `{component}` must be lower_snake"))

    # 4. File and service names.
    if not _LOWER_SNAKE.fullmatch(file_name.removesuffix(".proto")):
        found.append(Violation(path, f"file name `{file_name}` must be lower_snake"))
    for service in file.service:
        if not service.name.endswith("Service"):
            found.append(Violation(path, f"service `{service.name}` must end in `Service`"))

    # 2. Enum zero values.
    for enum_name, enum in _enums(file):
        expected = f"{upper_snake(enum.name)}_UNSPECIFIED"
        zeros = [value.name for value in enum.value if value.number == 0]
        if expected not in zeros:
            got = f"`{zeros[0]}`" if zeros else "missing"
            found.append(
                Violation(
                    path,
                    f"enum `{enum_name}`: the zero value must be `{expected} = 0` (is {got})",
                )
            )
    return found


def _is_reserved(message: descriptor_pb2.DescriptorProto, number: int) -> bool:
    # reserved_range.end is exclusive in descriptors.
    return any(r.start <= number < r.end for r in message.reserved_range)


def _lint_ledger(
    proto_root: Path, files: Sequence[descriptor_pb2.FileDescriptorProto], ledger: Ledger
) -> list[Violation]:
    current = {
        name: (proto_root / file.name, message)
        for file in files
        for name, message in _messages(file)
    }
    found: list[Violation] = []
    for message_name, recorded in ledger.items():
        if message_name not in current:
            # A deleted (or renamed) message cannot reuse anything; should the name come
            # back, its recorded numbers apply again.
            continue
        path, message = current[message_name]
        fields = {field.number: field.name for field in message.field}
        for number, name in sorted(recorded.items()):
            now = fields.get(number)
            if now is None and not _is_reserved(message, number):
                found.append(
                    Violation(
                        path,
                        f"`{message_name}` field {number} (`{name}`) was removed without "
                        f'reserving it: add `reserved {number};` (and `reserved "{name}";`)',
                    )
                )
            elif now is not None and now != name:
                found.append(
                    Violation(
                        path,
                        f"`{message_name}` field number {number} is recorded as `{name}` in "
                        f"{LEDGER_NAME} but is now `{now}`: field numbers are never reused or "
                        f"renamed; give `{now}` a new number and reserve {number}",
                    )
                )
    return found


def read_ledger(ledger_path: Path) -> Ledger:
    """Read the field-number ledger; a missing file is an empty ledger.

    Raises ValueError when the file is not ``{message: {number: name}}``.
    """
    if not ledger_path.exists():
        return {}
    data = json.loads(ledger_path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("expected an object of message name -> {field number: field name}")
    ledger: Ledger = {}
    for message_name, fields in data.items():
        if not isinstance(fields, dict):
            raise ValueError(f"`{message_name}`: expected an object of field number -> name")
        entries: dict[int, str] = {}
        for number, name in fields.items():
            if not (number.isdigit() and isinstance(name, str)):
                raise ValueError(f"`{message_name}`: bad entry {number!r}: {name!r}")
            entries[int(number)] = name
        ledger[message_name] = entries
    return ledger


def dump_ledger(ledger: Ledger) -> str:
    """Serialize the ledger stably: messages by name, field numbers numerically."""
    data = {
        message_name: {str(n): ledger[message_name][n] for n in sorted(ledger[message_name])}
        for message_name in sorted(ledger)
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def extend_ledger(ledger: Ledger, fdset: descriptor_pb2.FileDescriptorSet) -> Ledger:
    """Return *ledger* plus every current (message, number, name) it lacks; never removes."""
    extended = {name: dict(fields) for name, fields in ledger.items()}
    for file in fdset.file:
        for message_name, message in _messages(file):
            for field in message.field:
                extended.setdefault(message_name, {}).setdefault(field.number, field.name)
    return extended


def _lint(
    proto_root: Path, ledger_path: Path
) -> tuple[list[Violation], descriptor_pb2.FileDescriptorSet | None]:
    """Lint the tree; also return its descriptors when it compiled."""
    try:
        fdset = compile_descriptors(proto_root)
    except ProtocError as error:
        return [Violation(proto_root, str(error))], None
    found = [v for file in fdset.file for v in _lint_file(proto_root, file)]
    try:
        ledger = read_ledger(ledger_path)
    except (ValueError, UnicodeDecodeError) as error:
        found.append(Violation(ledger_path, f"unreadable field ledger: {error}"))
    else:
        found += _lint_ledger(proto_root, fdset.file, ledger)
    return found, fdset


def lint(proto_root: Path, ledger_path: Path | None = None) -> list[Violation]:
    """Return every convention violation in the tree at *proto_root* (empty when clean)."""
    return _lint(proto_root, ledger_path or proto_root / LEDGER_NAME)[0]


# --- generate / check --------------------------------------------------------------------


def generate_into(proto_root: Path, dest: Path) -> None:
    """Compile the tree into *dest* (a source root): ``dest/career/...`` plus ``__init__.py``s.

    Deterministic: the same sources give byte-identical files.
    """
    files = proto_files(proto_root)
    dest.mkdir(parents=True, exist_ok=True)
    if files:
        outputs = [f"--python_out={dest}", f"--pyi_out={dest}", f"--grpc_python_out={dest}"]
        _protoc(proto_root, outputs, files)
    package = dest / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    for directory in [package, *sorted(p for p in package.rglob("*") if p.is_dir())]:
        (directory / "__init__.py").write_bytes(b"")


def _snapshot(package_dir: Path) -> dict[str, bytes]:
    """Relative path -> content of the generated files in *package_dir*.

    Bytecode caches are not generated files, and the top ``__init__.py`` belongs to the
    protogen package itself, so both are left out.
    """
    if not package_dir.is_dir():
        return {}
    snapshot = {}
    for path in sorted(package_dir.rglob("*")):
        relative = path.relative_to(package_dir)
        if path.is_dir() or _CACHE_DIR in relative.parts or relative.as_posix() == "__init__.py":
            continue
        snapshot[relative.as_posix()] = path.read_bytes()
    return snapshot


def _sync(source: Path, target: Path) -> tuple[int, int]:
    """Make *target* hold exactly the files of *source*; return (written, deleted)."""
    target.mkdir(parents=True, exist_ok=True)
    want, have = _snapshot(source), _snapshot(target)
    stale = sorted(have.keys() - want.keys())
    for relative in stale:
        (target / relative).unlink()
    written = 0
    for relative, content in want.items():
        if have.get(relative) != content:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            (target / relative).write_bytes(content)
            written += 1
    # Drop package folders whose .proto files are all gone (deepest first).
    folders = [p for p in target.rglob("*") if p.is_dir() and _CACHE_DIR not in p.parts]
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if not any(child.name != _CACHE_DIR for child in folder.iterdir()):
            shutil.rmtree(folder)
    top = target / "__init__.py"
    if not top.exists():
        top.write_bytes(b"")
    return written, len(stale)


@dataclass(frozen=True)
class GenerateResult:
    """What ``generate`` did, or the violations that stopped it."""

    violations: list[Violation]
    written: int = 0
    deleted: int = 0
    new_fields: int = 0


def generate(proto_root: Path, out_dir: Path, ledger_path: Path | None = None) -> GenerateResult:
    """Lint, then regenerate ``out_dir/career`` and add new fields to the ledger.

    Writes nothing when lint fails. Raises ProtocError when protoc cannot compile.
    """
    ledger_path = ledger_path or proto_root / LEDGER_NAME
    violations, fdset = _lint(proto_root, ledger_path)
    if violations or fdset is None:
        return GenerateResult(violations)
    with tempfile.TemporaryDirectory(prefix="proto-gen-") as tmp:
        generate_into(proto_root, Path(tmp))
        written, deleted = _sync(Path(tmp) / PACKAGE, out_dir / PACKAGE)
    ledger = read_ledger(ledger_path)
    extended = extend_ledger(ledger, fdset)
    new_fields = sum(len(f) for f in extended.values()) - sum(len(f) for f in ledger.values())
    text = dump_ledger(extended)
    if not ledger_path.exists() or ledger_path.read_text(encoding="utf-8") != text:
        ledger_path.write_text(text, encoding="utf-8")
    return GenerateResult([], written, deleted, new_fields)


def check(proto_root: Path, out_dir: Path, ledger_path: Path | None = None) -> list[Violation]:
    """Return every way ``out_dir/career`` and the ledger differ from a fresh ``generate``.

    Raises ProtocError when protoc cannot compile.
    """
    ledger_path = ledger_path or proto_root / LEDGER_NAME
    package_dir = out_dir / PACKAGE
    with tempfile.TemporaryDirectory(prefix="proto-check-") as tmp:
        generate_into(proto_root, Path(tmp))
        want = _snapshot(Path(tmp) / PACKAGE)
    have = _snapshot(package_dir)
    found = []
    for relative in sorted(want.keys() | have.keys()):
        path = package_dir / relative
        if relative not in have:
            found.append(Violation(path, "missing"))
        elif relative not in want:
            found.append(Violation(path, "stale: no .proto generates this file any more"))
        elif want[relative] != have[relative]:
            found.append(Violation(path, "stale: differs from what proto/ generates"))
    if not (package_dir / "__init__.py").exists():
        found.append(Violation(package_dir / "__init__.py", "missing"))
    try:
        ledger = read_ledger(ledger_path)
    except (ValueError, UnicodeDecodeError) as error:
        found.append(Violation(ledger_path, f"unreadable field ledger: {error}"))
    else:
        missing = extend_ledger(ledger, compile_descriptors(proto_root))
        count = sum(len(f) for f in missing.values()) - sum(len(f) for f in ledger.values())
        if count:
            found.append(Violation(ledger_path, f"{count} current field(s) not recorded"))
    return found


# --- command line ------------------------------------------------------------------------


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m devstack.proto``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m devstack.proto",
        description="Generate, lint and drift-check the protobuf contracts.",
    )
    parser.add_argument("command", choices=["generate", "lint", "check"])
    parser.add_argument("--proto-root", type=Path, help="default: <repo>/proto")
    parser.add_argument(
        "--out", type=Path, help="source root that receives career/ (default: <repo>/protogen/src)"
    )
    parser.add_argument("--ledger", type=Path, help=f"default: <proto-root>/{LEDGER_NAME}")
    args = parser.parse_args(argv)

    defaults = repo_paths()
    proto_root = args.proto_root or defaults.proto_root
    out_dir = args.out or defaults.out_dir
    ledger_path = args.ledger or proto_root / LEDGER_NAME

    try:
        if args.command == "lint":
            violations = lint(proto_root, ledger_path)
            for violation in violations:
                print(violation)
            if violations:
                return 1
            print(f"proto lint: {len(proto_files(proto_root))} file(s) clean")
            return 0

        if args.command == "check":
            violations = check(proto_root, out_dir, ledger_path)
            for violation in violations:
                print(violation)
            if violations:
                print("generated protobuf code is out of date: run `make proto`")
                return 1
            print(f"proto check: {_display(out_dir / PACKAGE)} is up to date")
            return 0

        result = generate(proto_root, out_dir, ledger_path)
        for violation in result.violations:
            print(violation)
        if result.violations:
            print("proto generate: lint failed, nothing written")
            return 1
        print(
            f"proto generate: {_display(out_dir / PACKAGE)}: {result.written} file(s) written, "
            f"{result.deleted} deleted; {result.new_fields} new field(s) recorded in "
            f"{_display(ledger_path)}"
        )
        return 0
    except ProtocError as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
