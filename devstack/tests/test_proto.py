"""Tests of ``python -m devstack.proto``: lint rules, field ledger, generation and drift."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from career_kit import registry
from devstack import proto as proto_tool

REPO = Path(__file__).resolve().parents[2]

SHOP = """\
syntax = "proto3";

package career.shop.v1;

import "career/common/v1/pagination.proto";

message Order {
  enum State {
    STATE_UNSPECIFIED = 0;
    STATE_OPEN = 1;
  }
  string id = 1;
  string note = 2;
  State state = 3;
  career.common.v1.PageRequest page = 4;
}

service ShopService {}
"""

PAGINATION = (REPO / "proto/career/common/v1/pagination.proto").read_text()


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small proto tree (one service importing a common message) in a temp dir."""
    return write_tree(
        tmp_path / "proto",
        {"career/shop/v1/shop.proto": SHOP, "career/common/v1/pagination.proto": PAGINATION},
    )


def messages(violations: list[proto_tool.Violation]) -> str:
    return "\n".join(str(v) for v in violations)


def generated_files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


# --- the real tree -------------------------------------------------------------------------


def test_real_proto_tree_lints_clean():
    assert messages(proto_tool.lint(REPO / "proto")) == ""


def test_checked_in_generated_code_has_no_drift():
    assert messages(proto_tool.check(REPO / "proto", REPO / "protogen" / "src")) == ""


def test_generated_modules_import_from_the_installed_protogen_package():
    # A fresh interpreter, so the import goes through the editable install of protogen
    # and not through anything this test process has loaded.
    code = (
        "import career.common.v1.problem_pb2 as problem, career.auth.v1.auth_pb2_grpc as auth\n"
        "p = problem.ProblemDetails(status=422, field_violations=[{'field': 'email'}])\n"
        "assert problem.ProblemDetails.FromString(p.SerializeToString()) == p\n"
        "assert auth.AuthServiceStub and auth.add_AuthServiceServicer_to_server\n"
        "print(problem.__file__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd="/", check=False
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(REPO / "protogen" / "src" / "career")


def test_every_service_file_declares_its_service():
    """Each registry service's proto package declares exactly the gRPC service the registry
    names (career.files.v1 -> FilesService)."""
    fdset = proto_tool.compile_descriptors(REPO / "proto")
    services = {f.package: [s.name for s in f.service] for f in fdset.file if f.service}
    assert services == {
        service.grpc_service.rpartition(".")[0]: [service.grpc_service.rpartition(".")[2]]
        for service in registry.SERVICES
    }


# --- lint ----------------------------------------------------------------------------------


def test_small_tree_lints_clean(tree: Path):
    assert proto_tool.lint(tree) == []


def test_package_not_matching_its_folder_fails(tree: Path):
    shop = tree / "career/shop/v1/shop.proto"
    shop.write_text(SHOP.replace("package career.shop.v1;", "package career.store.v1;"))
    found = messages(proto_tool.lint(tree))
    assert "career/shop/v1/shop.proto: package `career.store.v1` must match its folder" in found


def test_unversioned_package_fails(tree: Path):
    write_tree(
        tree,
        {"career/shop/shop.proto": SHOP.replace("package career.shop.v1;", "package career.shop;")},
    )
    (tree / "career/shop/v1/shop.proto").unlink()
    found = messages(proto_tool.lint(tree))
    assert "career/shop/shop.proto: package `career.shop` must end in a version" in found


def test_file_outside_career_fails(tree: Path):
    write_tree(tree, {"other/v1/thing.proto": 'syntax = "proto3";\npackage other.v1;\n'})
    found = messages(proto_tool.lint(tree))
    assert "other/v1/thing.proto: every .proto must live under career/" in found


def test_enum_without_unspecified_zero_value_fails(tree: Path):
    shop = tree / "career/shop/v1/shop.proto"
    shop.write_text(SHOP.replace("STATE_UNSPECIFIED = 0", "STATE_NONE = 0"))
    found = messages(proto_tool.lint(tree))
    expected = "enum `career.shop.v1.Order.State`: the zero value must be `STATE_UNSPECIFIED = 0`"
    assert expected in found


def test_enum_zero_value_uses_upper_snake_of_the_enum_name(tree: Path):
    write_tree(
        tree,
        {
            "career/shop/v1/status.proto": (
                'syntax = "proto3";\npackage career.shop.v1;\n'
                "enum HTTPMethod { HTTP_METHOD_UNSPECIFIED = 0; }\n"
                "enum OrderStatus { ORDER_STATUS_UNSPECIFIED = 0; }\n"
            )
        },
    )
    assert proto_tool.lint(tree) == []


def test_service_name_without_suffix_and_camel_case_file_name_fail(tree: Path):
    (tree / "career/shop/v1/shop.proto").unlink()
    write_tree(tree, {"career/shop/v1/ShopApi.proto": SHOP.replace("ShopService", "Shop")})
    found = messages(proto_tool.lint(tree))
    assert "service `Shop` must end in `Service`" in found
    assert "file name `ShopApi.proto` must be lower_snake" in found


# --- field ledger --------------------------------------------------------------------------


def test_generate_records_fields_in_a_sorted_stable_ledger(tree: Path, tmp_path: Path):
    assert proto_tool.generate(tree, tmp_path / "out").violations == []
    ledger_file = tree / proto_tool.LEDGER_NAME
    first = ledger_file.read_text()
    assert json.loads(first)["career.shop.v1.Order"] == {
        "1": "id",
        "2": "note",
        "3": "state",
        "4": "page",
    }
    assert list(json.loads(first)) == sorted(json.loads(first))
    proto_tool.generate(tree, tmp_path / "out")
    assert ledger_file.read_text() == first


def test_field_number_reused_under_a_new_name_fails(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    proto_tool.generate(tree, out)
    before = generated_files(out)
    shop = tree / "career/shop/v1/shop.proto"
    shop.write_text(SHOP.replace("string note = 2;", "string comment = 2;"))

    found = messages(proto_tool.lint(tree))
    assert "`career.shop.v1.Order` field number 2 is recorded as `note`" in found
    assert "but is now `comment`" in found
    # generate refuses and writes nothing.
    assert proto_tool.generate(tree, out).violations
    assert generated_files(out) == before


def test_removed_field_without_reserved_fails(tree: Path, tmp_path: Path):
    proto_tool.generate(tree, tmp_path / "out")
    shop = tree / "career/shop/v1/shop.proto"
    shop.write_text(SHOP.replace("  string note = 2;\n", ""))
    found = messages(proto_tool.lint(tree))
    assert "`career.shop.v1.Order` field 2 (`note`) was removed without reserving it" in found


def test_removed_field_with_reserved_number_passes_and_stays_in_the_ledger(
    tree: Path, tmp_path: Path
):
    proto_tool.generate(tree, tmp_path / "out")
    shop = tree / "career/shop/v1/shop.proto"
    shop.write_text(SHOP.replace("  string note = 2;\n", "  reserved 2;\n"))
    assert proto_tool.lint(tree) == []
    assert proto_tool.generate(tree, tmp_path / "out").violations == []
    ledger = json.loads((tree / proto_tool.LEDGER_NAME).read_text())
    assert ledger["career.shop.v1.Order"]["2"] == "note"


def test_recorded_number_covered_by_a_reserved_range_passes(tree: Path, tmp_path: Path):
    proto_tool.generate(tree, tmp_path / "out")
    shop = tree / "career/shop/v1/shop.proto"
    # `state` moves from 3 to 5 (a new field as far as the wire is concerned).
    changed = SHOP.replace("  string note = 2;\n", "  reserved 2 to 3;\n")
    shop.write_text(changed.replace("State state = 3;", "State state = 5;"))
    assert proto_tool.lint(tree) == []


def test_deleted_message_keeps_its_numbers_if_it_comes_back(tree: Path, tmp_path: Path):
    proto_tool.generate(tree, tmp_path / "out")
    shop = tree / "career/shop/v1/shop.proto"
    shop.write_text('syntax = "proto3";\npackage career.shop.v1;\nservice ShopService {}\n')
    assert proto_tool.lint(tree) == []
    shop.write_text(
        'syntax = "proto3";\npackage career.shop.v1;\nmessage Order { int64 total = 1; }\n'
    )
    assert "field number 1 is recorded as `id`" in messages(proto_tool.lint(tree))


# --- generation and drift ------------------------------------------------------------------


def test_generation_is_deterministic(tree: Path, tmp_path: Path):
    proto_tool.generate_into(tree, tmp_path / "a")
    proto_tool.generate_into(tree, tmp_path / "b")
    a, b = generated_files(tmp_path / "a"), generated_files(tmp_path / "b")
    assert a == b
    assert "career/shop/v1/shop_pb2.py" in a
    assert "career/shop/v1/shop_pb2.pyi" in a
    assert "career/shop/v1/shop_pb2_grpc.py" in a
    for package in ["career", "career/shop", "career/shop/v1", "career/common/v1"]:
        assert a[f"{package}/__init__.py"] == b""


def test_generated_cross_file_imports_are_package_absolute(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    proto_tool.generate_into(tree, out)
    shop = (out / "career/shop/v1/shop_pb2.py").read_text()
    assert "from career.common.v1 import pagination_pb2" in shop
    # PYTHONPATH comes before the editable protogen install, so this `career` is ours.
    code = (
        "from career.shop.v1 import shop_pb2, shop_pb2_grpc\n"
        "order = shop_pb2.Order(id='o1', page={'page_size': 10})\n"
        "assert order.page.page_size == 10 and shop_pb2_grpc.ShopServiceStub\n"
    )
    env = {**os.environ, "PYTHONPATH": str(out)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr


def test_check_reports_stale_and_missing_generated_files(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert proto_tool.generate(tree, out).violations == []
    assert proto_tool.check(tree, out) == []

    (out / "career/shop/v1/old_pb2.py").write_text("# left behind\n")
    (out / "career/shop/v1/shop_pb2.pyi").write_text("edited by hand\n")
    (out / "career/common/v1/pagination_pb2.py").unlink()
    found = messages(proto_tool.check(tree, out))
    assert "career/shop/v1/old_pb2.py: stale: no .proto generates this file any more" in found
    assert "career/shop/v1/shop_pb2.pyi: stale: differs from what proto/ generates" in found
    assert "career/common/v1/pagination_pb2.py: missing" in found

    assert proto_tool.generate(tree, out).violations == []
    assert proto_tool.check(tree, out) == []
    assert not (out / "career/shop/v1/old_pb2.py").exists()


def test_check_ignores_bytecode_caches(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    proto_tool.generate(tree, out)
    (out / "career/shop/v1/__pycache__").mkdir()
    (out / "career/shop/v1/__pycache__/shop_pb2.cpython-311.pyc").write_bytes(b"\0")
    assert proto_tool.check(tree, out) == []


def test_check_reports_fields_missing_from_the_ledger(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    proto_tool.generate(tree, out)
    (tree / proto_tool.LEDGER_NAME).write_text("{}\n")
    assert "fields.lock.json: 8 current field(s) not recorded" in messages(
        proto_tool.check(tree, out)
    )


def test_generate_deletes_code_of_removed_protos_and_keeps_the_top_init(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    (out / "career").mkdir(parents=True)
    (out / "career/__init__.py").write_text('"""Generated protobuf code."""\n')
    proto_tool.generate(tree, out)
    assert (out / "career/shop/v1/shop_pb2.py").exists()

    (tree / "career/shop/v1/shop.proto").unlink()
    assert proto_tool.generate(tree, out).violations == []
    assert not (out / "career/shop").exists()
    assert (out / "career/common/v1/pagination_pb2.py").exists()
    assert (out / "career/__init__.py").read_text() == '"""Generated protobuf code."""\n'
    assert proto_tool.check(tree, out) == []


# --- command line --------------------------------------------------------------------------


def test_command_line_exit_codes_and_output(tree: Path, tmp_path: Path, capsys):
    args = ["--proto-root", str(tree), "--out", str(tmp_path / "out")]
    assert proto_tool.main(["generate", *args]) == 0
    assert proto_tool.main(["lint", *args]) == 0
    assert proto_tool.main(["check", *args]) == 0
    capsys.readouterr()

    (tree / "career/shop/v1/shop.proto").write_text(SHOP.replace("STATE_UNSPECIFIED", "STATE_X"))
    assert proto_tool.main(["lint", *args]) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert line.endswith(
        "career/shop/v1/shop.proto: enum `career.shop.v1.Order.State`: "
        "the zero value must be `STATE_UNSPECIFIED = 0` (is `STATE_X`)"
    )
    assert proto_tool.main(["check", *args]) == 1
    assert "run `make proto`" in capsys.readouterr().out
    assert proto_tool.main(["generate", *args]) == 1
    assert "nothing written" in capsys.readouterr().out


def test_protoc_errors_fail_lint_instead_of_crashing(tree: Path):
    (tree / "career/shop/v1/shop.proto").write_text("this is not protobuf\n")
    found = proto_tool.lint(tree)
    assert len(found) == 1 and "protoc failed" in found[0].message
