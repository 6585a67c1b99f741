"""The pipeline's RawCrawler exactly as template.yaml defines it (incremental, LOG policies,
InheritFromTable, CombineCompatibleSchemas, TableLevelConfiguration 3) on the raw layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.glue.conftest import GlueWorld, unique

pytestmark = pytest.mark.integration

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    pass


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def resource(logical_id: str) -> dict[str, Any]:
    template = yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)  # noqa: S506 - safe subclass
    return dict(template["Resources"][logical_id]["Properties"])


FLIGHTS = "day,dep_time,carrier,flight,tailnum\n1,517,UA,1545,N14228\n2,NA,AA,1141,N619AA\n"
AIRLINES = "carrier,name\n9E,Endeavor Air Inc.\nAA,American Airlines Inc.\n"


def test_raw_crawler_of_the_template(world: GlueWorld) -> None:
    props = resource("RawCrawler")
    name = unique("raw")
    classifier = resource("RawCsvClassifier")["CsvClassifier"]
    world.call("CreateClassifier", CsvClassifier={**classifier, "Name": f"{name}-csv"})
    targets = [
        {
            "Path": f"s3://{world.bucket}/raw/",
            "Exclusions": props["Targets"]["S3Targets"][0]["Exclusions"],
        }
    ]
    world.glue.create_crawler(
        Name=name,
        Role="r",
        DatabaseName=name,
        Targets={"S3Targets": targets},
        RecrawlPolicy=props["RecrawlPolicy"],
        SchemaChangePolicy=props["SchemaChangePolicy"],
        Configuration=props["Configuration"],
        Classifiers=[f"{name}-csv"],
    )
    assert json.loads(props["Configuration"])["Grouping"]["TableLevelConfiguration"] == 3

    world.put("raw/flights/year=2013/month=01/flights_2013_01.csv", FLIGHTS)
    world.put("raw/flights/year=2013/month=01/_SUCCESS", "")
    world.put("raw/flights/year=2013/month=01/report.json", '{"rows": 2}')
    assert world.crawl(name)["LastCrawl"]["Status"] == "SUCCEEDED"
    assert world.tables(name) == ["flights"]
    table = world.table(name, "flights")
    assert table["StorageDescriptor"]["Location"] == f"s3://{world.bucket}/raw/flights/"
    assert [k["Name"] for k in table["PartitionKeys"]] == ["year", "month"]
    assert table["Parameters"]["objectCount"] == "1"  # _SUCCESS and the JSON are excluded
    # The template's classifier catalogues every raw column as string (typing is Athena's job).
    assert {c["Type"] for c in table["StorageDescriptor"]["Columns"]} == {"string"}

    world.put("raw/flights/year=2013/month=02/flights_2013_02.csv", FLIGHTS)
    world.put("raw/airlines/airlines.csv", AIRLINES)
    world.crawl(name)
    assert world.tables(name) == ["airlines", "flights"]
    assert [p["Values"] for p in world.partitions(name, "flights")] == [
        ["2013", "01"],
        ["2013", "02"],
    ]
    airlines = world.table(name, "airlines")
    assert airlines["PartitionKeys"] == []
    columns = [(c["Name"], c["Type"]) for c in airlines["StorageDescriptor"]["Columns"]]
    assert columns == [("carrier", "string"), ("name", "string")]  # header PRESENT
    assert airlines["Parameters"]["skip.header.line.count"] == "1"
    assert airlines["StorageDescriptor"]["Location"] == f"s3://{world.bucket}/raw/airlines/"
    metrics = world.call("GetCrawlerMetrics", CrawlerNameList=[name])["CrawlerMetricsList"][0]
    assert (metrics["TablesCreated"], metrics["TablesUpdated"], metrics["TablesDeleted"]) == (
        1,
        0,
        0,
    )
