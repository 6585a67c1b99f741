"""Which files a crawl reads, so that crawl time grows far slower than the data.

- ``SampleSize`` (per S3 target, Glue's own knob): the first N files of every leaf folder;
- partition sampling (this crawler's policy): folders that differ only in Hive partition
  values (``year=2013/month=01`` vs ``year=2014/month=07``) belong to one stratum; at most
  ``PARTITION_SAMPLE`` of a stratum's folders are read, spread evenly over its sorted
  folders (first and last included). Every other file borrows the classification of the
  nearest sampled folder before it; its statistics are then estimated from its size.
  Unnamed partition folders (``2013/01``) are strata of their own, so they are all read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from etl_local.glue.storage import StoredObject

PARTITION_SAMPLE = 16
T = TypeVar("T")


def folder_of(key: str) -> str:
    return key.rpartition("/")[0]


def stratum(folder: str) -> str:
    return "/".join(segment for segment in folder.split("/") if "=" not in segment)


def spread(items: Sequence[T], count: int) -> list[T]:
    """``count`` items evenly spread over ``items`` (all of them when there are fewer)."""
    if len(items) <= count:
        return list(items)
    if count == 1:
        return [items[0]]
    picks = sorted({round(i * (len(items) - 1) / (count - 1)) for i in range(count)})
    return [items[i] for i in picks]


@dataclass
class SamplePlan:
    read: list[StoredObject]  # classified from their own bytes
    donors: dict[str, str]  # key not read -> key whose classification it borrows


def plan_sample(
    objects: list[StoredObject], sample_size: int | None, partition_sample: int = PARTITION_SAMPLE
) -> SamplePlan:
    folders: dict[str, list[StoredObject]] = {}
    for obj in sorted(objects, key=lambda o: o.key):
        folders.setdefault(folder_of(obj.key), []).append(obj)
    strata: dict[str, list[str]] = {}
    for folder in folders:
        strata.setdefault(stratum(folder), []).append(folder)
    read: list[StoredObject] = []
    donors: dict[str, str] = {}
    for members in strata.values():
        chosen = set(spread(members, partition_sample))
        donor_folder = members[0]
        for folder in members:
            files = folders[folder]
            if folder in chosen:
                donor_folder = folder
                picked = files[:sample_size] if sample_size else files
                read += picked
                donors.update({f.key: picked[0].key for f in files[len(picked) :]})
            else:
                donors.update({f.key: folders[donor_folder][0].key for f in files})
    return SamplePlan(read, donors)
