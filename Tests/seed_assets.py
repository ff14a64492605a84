"""Seeds the emulator with what a release leaves behind for one asset-id, for list-assets and
purge-assets tests and the benchmark.

Usage (the emulator's env file exported): python Tests/seed_assets.py --asset-id ID --bucket NAME
    [--objects N] [--amis N] [--exports N] [--key-pairs N] [--stacks N] [--export-seconds S]
    [--untagged-snapshots]
Prints {"ami": [...], "snapshot": [...], "export-image-task": [...], "key-pair": [...],
"stack": [...], "s3-object": [...]}: the AWS ids of what it created, by list-assets kind.

Export tasks are created with a long duration (--export-seconds, default 3600) so they stay
active (cancellable) until purged; the emulator's exportSeconds setting is restored afterwards.
--untagged-snapshots tags only the AMIs, as an image registered by hand would be.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3

STACK_TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def control(endpoint: str, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(endpoint + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--asset-id", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--tag-key", default="asset-id")
    parser.add_argument("--images-prefix", default="images")
    parser.add_argument("--objects", type=int, default=2500)
    parser.add_argument("--amis", type=int, default=3)
    parser.add_argument("--exports", type=int, default=2)
    parser.add_argument("--key-pairs", type=int, default=2)
    parser.add_argument("--stacks", type=int, default=60)
    parser.add_argument("--export-seconds", type=float, default=3600)
    parser.add_argument("--untagged-snapshots", action="store_true")
    args = parser.parse_args()
    if args.exports > args.amis:
        parser.error("each export task needs an AMI of its own: --exports must not exceed --amis")

    endpoint = os.environ["AWS_ENDPOINT_URL"]
    ec2, cfn, s3 = (boto3.client(s) for s in ("ec2", "cloudformation", "s3"))
    asset, key = args.asset_id, args.tag_key
    # As a release tags what it makes: the asset-id and the project (AssetConventions.tags).
    tags = [{"Key": key, "Value": asset}, {"Key": "project", "Value": "data-science-sandbox"}]
    prefix = f"{args.images_prefix.rstrip('/')}/{asset}/"
    created: dict[str, list[str]] = {k: [] for k in ("ami", "snapshot", "export-image-task", "key-pair", "stack", "s3-object")}

    try:
        s3.create_bucket(Bucket=args.bucket, CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass

    keys = [f"{prefix}part-{i:05d}.bin" for i in range(args.objects)]
    # boto3 clients are thread-safe; sixteen at a time keeps 2,500 puts to a few seconds.
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=args.bucket, Key=k, Body=k.encode()), keys))
    created["s3-object"] = keys

    if args.amis:
        base = ec2.describe_images(Owners=["099720109477"])["Images"][0]["ImageId"]
        instance = ec2.run_instances(ImageId=base, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][0]["InstanceId"]
        for i in range(args.amis):
            image = ec2.create_image(
                InstanceId=instance,
                Name=f"sandbox-{asset}-{instance}-{i}",  # AMI names are unique: a second seeding of the asset too
                TagSpecifications=[{"ResourceType": "image", "Tags": tags}]
                + ([] if args.untagged_snapshots else [{"ResourceType": "snapshot", "Tags": tags}]),
            )["ImageId"]
            created["ami"].append(image)
            described = ec2.describe_images(ImageIds=[image])["Images"][0]
            created["snapshot"] += [m["Ebs"]["SnapshotId"] for m in described["BlockDeviceMappings"] if "Ebs" in m]
        ec2.terminate_instances(InstanceIds=[instance])

    if args.exports:
        before = control(endpoint, "GET", "/_emulator/config")["exportSeconds"]
        control(endpoint, "POST", "/_emulator/config", {"exportSeconds": args.export_seconds})
        try:
            for image in created["ami"][: args.exports]:
                task = ec2.export_image(
                    ImageId=image,
                    DiskImageFormat="VMDK",
                    S3ExportLocation={"S3Bucket": args.bucket, "S3Prefix": prefix},
                    TagSpecifications=[{"ResourceType": "export-image-task", "Tags": tags}],
                )
                created["export-image-task"].append(task["ExportImageTaskId"])
        finally:
            control(endpoint, "POST", "/_emulator/config", {"exportSeconds": before})

    for i in range(args.key_pairs):
        pair = ec2.create_key_pair(
            KeyName=f"sandbox-{asset}-seed{i}", KeyType="ed25519", TagSpecifications=[{"ResourceType": "key-pair", "Tags": tags}]
        )
        created["key-pair"].append(pair["KeyPairId"])

    stack_name = "EC2-DATA-SCIENCE-SANDBOX-" + "".join(c if c.isalnum() or c == "-" else "-" for c in asset)
    for i in range(args.stacks):
        stack = cfn.create_stack(StackName=f"{stack_name}-{i}", TemplateBody=STACK_TEMPLATE, Tags=tags)
        created["stack"].append(stack["StackId"])

    json.dump(created, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
