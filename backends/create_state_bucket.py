"""Create (or bring up to standard) the S3 bucket that holds dsspulumi state.

    python backends/create_state_bucket.py my-team-dss-state --region eu-west-1
    python backends/create_state_bucket.py my-team-dss-state --kms-key-id alias/dss-state
    python backends/create_state_bucket.py dss-state --endpoint-url http://127.0.0.1:9000  # MinIO

What it sets, and why:

- versioning on: every earlier state stays readable (restore after a bad run, and
  the only undo for a deleted object);
- all public access blocked: state names every DSS object you manage;
- default encryption (SSE-S3, or SSE-KMS with --kms-key-id): objects are encrypted
  even if a writer forgot to ask (dsspulumi asks on every write anyway);
- a lifecycle rule that expires noncurrent versions after N days (state history
  does not grow forever), removes expired delete markers, and aborts incomplete
  multipart uploads.

Idempotent: run it again to repair drift; other lifecycle rules are kept. Uses
boto3's normal credential chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, roles).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import boto3  # noqa: TID251 - a stand-alone admin script, not part of the package
import botocore.exceptions  # noqa: TID251

RULE_ID = "dsspulumi-state-retention"


def ensure_bucket(client: Any, bucket: str, region: str | None) -> str:
    """Create the bucket unless it already exists and is ours; return what happened."""
    try:
        client.head_bucket(Bucket=bucket)
        return "exists"
    except botocore.exceptions.ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 403:
            raise SystemExit(
                f"bucket '{bucket}' exists but these credentials may not use it (403): it "
                "belongs to another account, or the policy denies s3:ListBucket"
            ) from None
        if status != 404:
            raise
    params: dict[str, Any] = {"Bucket": bucket}
    if region and region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        client.create_bucket(**params)
    except botocore.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
            raise
    return "created"


def lifecycle_rules(
    existing: list[dict[str, Any]], noncurrent_days: int, multipart_days: int
) -> list[dict[str, Any]]:
    """Our rule replaces its earlier self; rules someone else added stay."""
    ours = {
        "ID": RULE_ID,
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": noncurrent_days},
        "Expiration": {"ExpiredObjectDeleteMarker": True},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": multipart_days},
    }
    return [r for r in existing if r.get("ID") != RULE_ID] + [ours]


def configure(
    client: Any,
    bucket: str,
    *,
    region: str | None,
    kms_key_id: str | None,
    noncurrent_days: int,
    multipart_days: int,
) -> list[str]:
    done = [f"bucket {ensure_bucket(client, bucket, region)}"]
    client.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    done.append("public access blocked")
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    done.append("versioning enabled")
    if kms_key_id:
        default: dict[str, Any] = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key_id}
        rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": default}
        rule["BucketKeyEnabled"] = True  # fewer KMS calls, lower cost
        done.append(f"default encryption SSE-KMS ({kms_key_id})")
    else:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        done.append("default encryption SSE-S3")
    client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
    try:
        existing = client.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", [])
    except botocore.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchLifecycleConfiguration":
            raise
        existing = []
    client.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": lifecycle_rules(existing, noncurrent_days, multipart_days)
        },
    )
    done.append(
        f"noncurrent versions expire after {noncurrent_days} days, incomplete uploads "
        f"aborted after {multipart_days}"
    )
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Create or repair the S3 bucket for dsspulumi state (idempotent)."
    )
    parser.add_argument("bucket")
    parser.add_argument("--region", help="bucket region (default: your AWS configuration)")
    parser.add_argument("--endpoint-url", help="S3-compatible endpoint (MinIO, moto)")
    parser.add_argument("--profile", help="AWS profile to use")
    parser.add_argument(
        "--kms-key-id", help="use SSE-KMS with this key (id, ARN or alias) instead of SSE-S3"
    )
    parser.add_argument(
        "--noncurrent-days",
        type=int,
        default=90,
        help="days an overwritten/deleted state version is kept (default 90)",
    )
    parser.add_argument(
        "--abort-multipart-days",
        type=int,
        default=7,
        help="days before an incomplete multipart upload is aborted (default 7)",
    )
    parser.add_argument("--prefix", default="", help="prefix to show in the backend URL")
    args = parser.parse_args(argv)
    if args.noncurrent_days < 1 or args.abort_multipart_days < 1:
        parser.error("--noncurrent-days and --abort-multipart-days must be at least 1")

    session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
    client = session.client("s3", endpoint_url=args.endpoint_url)
    try:
        done = configure(
            client,
            args.bucket,
            region=args.region or session.region_name,
            kms_key_id=args.kms_key_id,
            noncurrent_days=args.noncurrent_days,
            multipart_days=args.abort_multipart_days,
        )
    except botocore.exceptions.NoCredentialsError:
        print(
            "error: no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run with an instance role",
            file=sys.stderr,
        )
        return 1
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for line in done:
        print(f"  {line}")
    url = f"s3://{args.bucket}/{args.prefix.strip('/')}".rstrip("/")
    if args.kms_key_id:
        url += f"?sse=aws:kms&kms_key_id={args.kms_key_id}"
    print(f"ready: use --backend '{url}'  (or DSS_BACKEND='{url}')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
