"""Write-through of the API plane to the workspace: every object and catalogue change is on
disk when its request is answered, each file replaced atomically, keys kept inside the lake."""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from etl_local.awsapi import ApiPlane, WorkspaceMirror
from etl_local.workspace import Workspace, restore_catalog

pytestmark = pytest.mark.unit

BUCKET = "mirror-bucket"
VERSIONED = "mirror-versioned"


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApiPlane, Workspace]]:
    """An API plane of its own whose changes are written through to a fresh workspace."""
    plane = ApiPlane().start()
    workspace = Workspace(tmp_path_factory.mktemp("mirror") / ".etl-local").create()
    s3 = _client(plane, "s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.create_bucket(Bucket=VERSIONED)
    s3.put_bucket_versioning(Bucket=VERSIONED, VersioningConfiguration={"Status": "Enabled"})
    plane.mirror_to(workspace)
    yield plane, workspace
    plane.stop()


def _client(plane: ApiPlane, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=plane.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the local endpoint takes any
        config=Config(s3={"addressing_style": "path"}),
    )


def test_put_overwrite_and_delete_are_written_through(
    mirrored: tuple[ApiPlane, Workspace],
) -> None:
    plane, workspace = mirrored
    s3 = _client(plane, "s3")
    path = workspace.lake / BUCKET / "zone" / "t" / "part-0.csv"
    s3.put_object(Bucket=BUCKET, Key="zone/t/part-0.csv", Body=b"a,b\n1,2\n")
    assert path.read_bytes() == b"a,b\n1,2\n"
    s3.put_object(Bucket=BUCKET, Key="zone/t/part-0.csv", Body=b"a,b\n3,4\n")
    assert path.read_bytes() == b"a,b\n3,4\n"
    s3.delete_object(Bucket=BUCKET, Key="zone/t/part-0.csv")
    assert not path.exists()
    assert not (workspace.lake / BUCKET / "zone").exists()  # emptied folders go too
    # ... so a key that names the old folder is a file again
    s3.put_object(Bucket=BUCKET, Key="zone", Body=b"z")
    assert (workspace.lake / BUCKET / "zone").read_bytes() == b"z"


def test_copy_and_multipart_upload_are_written_through(
    mirrored: tuple[ApiPlane, Workspace],
) -> None:
    plane, workspace = mirrored
    s3 = _client(plane, "s3")
    s3.put_object(Bucket=BUCKET, Key="copy/source.txt", Body=b"copied")
    s3.copy_object(Bucket=BUCKET, Key="copy/target.txt", CopySource=f"{BUCKET}/copy/source.txt")
    assert (workspace.lake / BUCKET / "copy" / "target.txt").read_bytes() == b"copied"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="big/file.bin")
    parts = []
    for number, chunk in enumerate((b"x" * 5 * 1024 * 1024, b"tail"), start=1):
        etag = s3.upload_part(
            Bucket=BUCKET,
            Key="big/file.bin",
            UploadId=upload["UploadId"],
            PartNumber=number,
            Body=chunk,
        )["ETag"]
        parts.append({"ETag": etag, "PartNumber": number})
    assert not (workspace.lake / BUCKET / "big").exists()  # parts are not an object yet
    s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key="big/file.bin",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": parts},
    )
    written = (workspace.lake / BUCKET / "big" / "file.bin").read_bytes()
    assert len(written) == 5 * 1024 * 1024 + 4 and written.endswith(b"xtail")


def test_delete_objects_removes_each_deleted_key(mirrored: tuple[ApiPlane, Workspace]) -> None:
    plane, workspace = mirrored
    s3 = _client(plane, "s3")
    for name in ("a", "b", "c"):
        s3.put_object(Bucket=BUCKET, Key=f"multi/{name}.txt", Body=name.encode())
    s3.delete_objects(
        Bucket=BUCKET,
        Delete={"Objects": [{"Key": "multi/a.txt"}, {"Key": "multi/b.txt"}]},
    )
    assert sorted(p.name for p in (workspace.lake / BUCKET / "multi").iterdir()) == ["c.txt"]


def test_versioned_bucket_keeps_the_current_version(mirrored: tuple[ApiPlane, Workspace]) -> None:
    """The workspace holds each key's current version, as the restore puts it back."""
    plane, workspace = mirrored
    s3 = _client(plane, "s3")
    path = workspace.lake / VERSIONED / "v.txt"
    s3.put_object(Bucket=VERSIONED, Key="v.txt", Body=b"one")
    second = s3.put_object(Bucket=VERSIONED, Key="v.txt", Body=b"two")["VersionId"]
    assert path.read_bytes() == b"two"
    marker = s3.delete_object(Bucket=VERSIONED, Key="v.txt")["VersionId"]
    assert not path.exists()  # a delete marker is current: no object
    s3.delete_object(Bucket=VERSIONED, Key="v.txt", VersionId=marker)
    assert path.read_bytes() == b"two"  # the marker removed: the last version is back
    s3.delete_object(Bucket=VERSIONED, Key="v.txt", VersionId=second)
    assert path.read_bytes() == b"one"  # the current version deleted: the one before


def test_unsafe_keys_stay_inside_the_lake(mirrored: tuple[ApiPlane, Workspace]) -> None:
    plane, workspace = mirrored
    s3 = _client(plane, "s3")
    s3.put_object(Bucket=BUCKET, Key="../../escape.txt", Body=b"dots")
    s3.put_object(Bucket=BUCKET, Key="ctl\x01name", Body=b"control")
    s3.put_object(Bucket=BUCKET, Key="/absolute.txt", Body=b"absolute")  # stored, not mirrored
    assert (workspace.lake / BUCKET / "%2E%2E" / "%2E%2E" / "escape.txt").read_bytes() == b"dots"
    assert (workspace.lake / BUCKET / "ctl%01name").read_bytes() == b"control"
    root = workspace.root.parent
    assert not (root / "escape.txt").exists() and not (workspace.lake / "escape.txt").exists()
    assert s3.get_object(Bucket=BUCKET, Key="/absolute.txt")["Body"].read() == b"absolute"
    assert not list(workspace.lake.rglob("absolute.txt"))
    keys = {key for bucket, key, _ in workspace.exported_objects() if bucket == BUCKET}
    assert {"../../escape.txt", "ctl\x01name"} <= keys


def test_a_failed_write_leaves_the_previous_file(
    mirrored: tuple[ApiPlane, Workspace], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rename is the only step that changes the file: a crash before it (here: the rename
    failing) leaves the old content whole, and no partial file anywhere in the lake."""
    plane, workspace = mirrored
    s3 = _client(plane, "s3")
    s3.put_object(Bucket=BUCKET, Key="atomic/file.txt", Body=b"old")

    def crash(*_: Any) -> None:
        raise OSError("killed before the rename")

    monkeypatch.setattr(os, "replace", crash)
    s3.put_object(Bucket=BUCKET, Key="atomic/file.txt", Body=b"new" * 1000)
    monkeypatch.undo()
    assert (workspace.lake / BUCKET / "atomic" / "file.txt").read_bytes() == b"old"
    assert list(workspace.tmp.iterdir()) == []
    s3.put_object(Bucket=BUCKET, Key="atomic/file.txt", Body=b"new")  # the next write wins
    assert (workspace.lake / BUCKET / "atomic" / "file.txt").read_bytes() == b"new"


def test_concurrent_writes_of_one_key_leave_the_current_object(
    mirrored: tuple[ApiPlane, Workspace],
) -> None:
    plane, workspace = mirrored
    s3 = _client(plane, "s3")

    def put(n: int) -> None:
        s3.upload_fileobj(io.BytesIO(str(n).encode() * 1000), BUCKET, "race/key.txt")

    threads = [threading.Thread(target=put, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    current = s3.get_object(Bucket=BUCKET, Key="race/key.txt")["Body"].read()
    assert (workspace.lake / BUCKET / "race" / "key.txt").read_bytes() == current


def _table(name: str, location: str) -> dict[str, Any]:
    return {
        "Name": name,
        "PartitionKeys": [{"Name": "month", "Type": "string"}],
        "StorageDescriptor": {"Columns": [{"Name": "n", "Type": "bigint"}], "Location": location},
    }


def _partition(month: str) -> dict[str, Any]:
    return {"Values": [month], "StorageDescriptor": {"Location": f"s3://b/t/month={month}/"}}


def test_catalogue_changes_are_written_through(mirrored: tuple[ApiPlane, Workspace]) -> None:
    plane, workspace = mirrored
    glue = _client(plane, "glue")
    glue.create_database(DatabaseInput={"Name": "mirror_db", "Description": "kept"})
    glue.create_table(DatabaseName="mirror_db", TableInput=_table("t", "s3://b/t/"))
    glue.batch_create_partition(
        DatabaseName="mirror_db",
        TableName="t",
        PartitionInputList=[_partition(f"{m:02d}") for m in range(1, 13)],
    )
    glue.update_partition(
        DatabaseName="mirror_db",
        TableName="t",
        PartitionValueList=["01"],
        PartitionInput={
            "Values": ["01"],
            "StorageDescriptor": {"Location": "s3://b/t/_runs/r2/month=01/"},
        },
    )
    glue.batch_delete_partition(
        DatabaseName="mirror_db",
        TableName="t",
        PartitionsToDelete=[{"Values": ["12"]}],
    )
    folder = workspace.table_folder("mirror_db", "t")
    assert json.loads((folder / "table.json").read_text())["StorageDescriptor"]["Location"] == (
        "s3://b/t/"
    )
    saved = [json.loads(p.read_text()) for p in (folder / "partitions").iterdir()]
    locations = {p["Values"][0]: p["StorageDescriptor"]["Location"] for p in saved}
    assert len(locations) == 11 and "12" not in locations
    assert locations["01"] == "s3://b/t/_runs/r2/month=01/"
    database = json.loads((workspace.database_folder("mirror_db") / "database.json").read_text())
    assert database == {"Name": "mirror_db", "Description": "kept"}

    glue.create_table(DatabaseName="mirror_db", TableInput=_table("gone", "s3://b/gone/"))
    glue.delete_table(DatabaseName="mirror_db", Name="gone")
    assert not workspace.table_folder("mirror_db", "gone").exists()

    # the saved catalogue recreates what moto held, partitions and all
    catalog = workspace.load_catalog()
    glue.delete_database(Name="mirror_db")
    assert not workspace.database_folder("mirror_db").exists()
    assert restore_catalog(glue, catalog) >= 1
    partitions = glue.get_partitions(DatabaseName="mirror_db", TableName="t")["Partitions"]
    assert len(partitions) == 11
    assert glue.get_database(Name="mirror_db")["Database"]["Description"] == "kept"
    glue.delete_database(Name="mirror_db")  # moto's catalogue is shared by the whole session


def test_sync_writes_what_the_workspace_lacks_and_keeps_what_it_has(
    mirrored: tuple[ApiPlane, Workspace], tmp_path: Path
) -> None:
    """Attaching the mirror writes the objects and catalogue entries that changed before it
    (the provisioned stack, a workspace from before the write-through); a file the workspace
    has is kept: another runtime on the same workspace may have written it since."""
    plane, _ = mirrored
    s3, glue = _client(plane, "s3"), _client(plane, "glue")
    s3.put_object(Bucket=BUCKET, Key="sync/current.txt", Body=b"current")
    glue.create_database(DatabaseInput={"Name": "sync_db"})
    glue.create_table(DatabaseName="sync_db", TableInput=_table("t", "s3://b/t/"))
    glue.create_partition(DatabaseName="sync_db", TableName="t", PartitionInput=_partition("01"))
    older = Workspace(tmp_path / ".etl-local").create()
    older.write_file(older.object_path(BUCKET, "sync/current.txt"), b"newer")
    older.write_file(older.object_path(BUCKET, "sync/other.txt"), b"other")
    older.save_table("sync_db", "t", {"Name": "t", "Description": "newer"})
    assert WorkspaceMirror(older).sync() >= 1
    assert older.object_path(BUCKET, "zone").read_bytes() == b"z"  # put by an earlier test
    assert older.object_path(BUCKET, "sync/current.txt").read_bytes() == b"newer"
    assert older.object_path(BUCKET, "sync/other.txt").read_bytes() == b"other"
    (table,) = next(d for d in older.load_catalog()["databases"] if d["Name"] == "sync_db")[
        "Tables"
    ]
    assert table["Description"] == "newer" and [p["Values"] for p in table["Partitions"]] == [
        ["01"]
    ]
    names = {d["Name"] for d in glue.get_databases()["DatabaseList"]}
    assert {d["Name"] for d in older.load_catalog()["databases"]} == names
    glue.delete_database(Name="sync_db")


def test_a_workspace_from_before_the_catalogue_folder_still_loads(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / ".etl-local").create()
    legacy = {"databases": [{"Name": "curated", "Tables": [{"Name": "t", "Partitions": []}]}]}
    workspace.legacy_catalog_file.write_text(json.dumps(legacy))
    assert workspace.load_catalog() == legacy
    workspace.save_table("curated", "t", {"Name": "t"})  # the folder, once written, wins
    assert workspace.load_catalog()["databases"][0]["Tables"] == [{"Name": "t", "Partitions": []}]


def test_a_restored_object_gets_its_version_id_back(
    mirrored: tuple[ApiPlane, Workspace], tmp_path: Path
) -> None:
    """An execution's input names the object's version: after a restart (a fresh moto, the
    object put back from its file) the same version id still reads it."""
    plane, workspace = mirrored
    s3 = _client(plane, "s3")
    version = s3.put_object(Bucket=VERSIONED, Key="raw/landed.csv", Body=b"a\n1\n")["VersionId"]
    saved = workspace.object_version(VERSIONED, "raw/landed.csv")
    assert saved is not None and saved["VersionId"] == version
    assert workspace.object_version(BUCKET, "zone") is None  # unversioned bucket: nothing

    # the restart: the object gone from moto, put back from the workspace's file
    s3.delete_objects(
        Bucket=VERSIONED,
        Delete={
            "Objects": [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in s3.list_object_versions(Bucket=VERSIONED, Prefix="raw/landed.csv")[
                    "Versions"
                ]
            ]
        },
    )
    assert workspace.object_version(VERSIONED, "raw/landed.csv") is None
    restarted = Workspace(tmp_path / ".etl-local").create()
    restarted.write_file(
        restarted.version_path(VERSIONED, "raw/landed.csv"), json.dumps(saved).encode()
    )
    s3.put_object(Bucket=VERSIONED, Key="raw/landed.csv", Body=b"a\n1\n")
    WorkspaceMirror(restarted).sync()
    got = s3.get_object(Bucket=VERSIONED, Key="raw/landed.csv", VersionId=version)
    assert got["Body"].read() == b"a\n1\n"


def test_what_a_crash_left_in_tmp_is_removed_at_the_next_start(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / ".etl-local").create()
    left, recent = workspace.tmp / "w-left", workspace.tmp / "w-recent"
    left.write_bytes(b"half an object")
    recent.write_bytes(b"being written by another runtime")
    os.utime(left, (1_000_000_000, 1_000_000_000))
    assert workspace.remove_stale_temporaries() == 1
    assert not left.exists() and recent.exists()
    assert [path for path in workspace.lake.rglob("*")] == []  # never seen as objects
