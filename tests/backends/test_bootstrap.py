"""backends/create_state_bucket.py against moto: the settings it promises, and idempotence."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from dsspulumi.backends import open_backend
from dsspulumi.testing.moto_server import MotoServer, s3_client

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "backends" / "create_state_bucket.py"


@pytest.fixture
def script_main() -> Any:
    return runpy.run_path(str(SCRIPT))["main"]


def rule_of(client: Any, bucket: str) -> dict[str, Any]:
    rules = client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    return {r["ID"]: r for r in rules}


def test_creates_a_hardened_bucket_and_is_idempotent(aws_env: MotoServer) -> None:
    bucket = f"dss-boot-{uuid.uuid4().hex[:10]}"
    cmd = [sys.executable, str(SCRIPT), bucket, "--endpoint-url", aws_env.url]
    cmd += ["--noncurrent-days", "30", "--prefix", "team"]
    for _ in range(2):  # the second run repairs nothing and fails on nothing
        r = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
        assert r.returncode == 0, r.stderr
        assert f"--backend 's3://{bucket}/team'" in r.stdout
    client = s3_client(aws_env.url)
    assert client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(
        block[k]
        for k in (
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        )
    )
    enc = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert enc["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    rules = rule_of(client, bucket)
    assert list(rules) == ["dsspulumi-state-retention"]
    rule = rules["dsspulumi-state-retention"]
    assert rule["Status"] == "Enabled"
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7

    backend = open_backend(f"s3://{bucket}/team")  # and the backend works on it
    version = backend.write_state("app", "dev", b'{"n": 1}', expected=None)
    backend.write_state("app", "dev", b'{"n": 2}', expected=version)
    versions = client.list_object_versions(Bucket=bucket, Prefix="team/app/dev.json")
    assert len(versions["Versions"]) == 2  # the previous state stays readable


def test_kms_and_foreign_lifecycle_rules_kept(aws_env: MotoServer, script_main: Any) -> None:
    bucket = f"dss-boot-{uuid.uuid4().hex[:10]}"
    aws_env.create_bucket(bucket, versioning=False)
    client = s3_client(aws_env.url)
    client.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "logs",
                    "Filter": {"Prefix": "logs/"},
                    "Status": "Enabled",
                    "Expiration": {"Days": 3},
                }
            ]
        },
    )
    args = [bucket, "--endpoint-url", aws_env.url, "--kms-key-id", "alias/dss-state"]
    assert script_main(args) == 0
    assert script_main(args) == 0
    enc = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    default = enc["Rules"][0]["ApplyServerSideEncryptionByDefault"]
    assert (default["SSEAlgorithm"], default["KMSMasterKeyID"]) == ("aws:kms", "alias/dss-state")
    assert client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert sorted(rule_of(client, bucket)) == ["dsspulumi-state-retention", "logs"]


def test_iam_policy_is_least_privilege_for_the_backend() -> None:
    policy = json.loads((REPO / "backends" / "iam-policy.json").read_text())
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    objects = by_sid["DssStateObjects"]
    assert sorted(objects["Action"]) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert objects["Resource"] == "arn:aws:s3:::BUCKET/PREFIX/*"
    listing = by_sid["DssStateListing"]
    assert listing["Action"] == "s3:ListBucket"
    assert listing["Condition"]["StringLike"]["s3:prefix"] == ["PREFIX/*"]
    actions = {
        a
        for s in policy["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not any(a.endswith("*") for a in actions)
