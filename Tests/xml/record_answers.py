"""Records the emulator's XML answers to the operations the tools call, byte for byte, into
Tests/xml/answers/<service>.<Operation>[.<case>].xml, the differential test's input
(Tests/xml/botocore_answers.py parses them with botocore). Run once against a fresh emulator;
the recordings are committed, so the test needs no emulator:

    make emulator && build/venv/bin/python Tests/xml/record_answers.py

The requests are boto3's; only the answers' bytes are kept.
"""
import os
import pathlib
import re
import sys

import boto3

OUT = pathlib.Path(__file__).parent / "answers"
# The emulator's private key and temporary secret are fakes, but a key in the repository looks
# like a leak to every scanner: their text is replaced.
SECRETS = re.compile(rb"<(keyMaterial|SecretAccessKey|SessionToken)>[^<]*<")


def env_file():
    for line in open(os.environ.get("EMULATOR_ENV", "build/emulator/env")):
        name, _, value = line.removeprefix("export ").strip().partition("=")
        os.environ[name] = value.strip("'\"")


def recorder(service):
    client = boto3.client(service)
    state = {"case": None}

    def keep(http_response, model, **_):
        if http_response.status_code != 200 or not http_response.content.lstrip().startswith(b"<"):
            return  # an error, or no XML answer (PutObject)
        name = f"{service}.{model.name}" + (f".{state['case']}" if state["case"] else "") + ".xml"
        (OUT / name).write_bytes(SECRETS.sub(rb"<\1>not-kept<", http_response.content))

    client.meta.events.register("after-call", keep)

    def call(operation, case=None, **params):
        state["case"] = case
        return getattr(client, operation)(**params)

    return call


TEMPLATE = """
Description: one bucket
Parameters:
  Name: {Type: String, Default: recorded, Description: the bucket's tag}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {Tags: [{Key: asset-id, Value: !Ref Name}]}
Outputs:
  BucketName: {Value: !Ref Bucket, Description: where}
"""


def main():
    env_file()
    OUT.mkdir(exist_ok=True)
    region = os.environ["AWS_REGION"]
    tag = [{"Key": "asset-id", "Value": "1.2.0"}]

    ec2 = recorder("ec2")
    images = ec2("describe_images", Owners=["099720109477"])["Images"]
    ec2("describe_images", "empty", Owners=["self"])
    reservation = ec2("run_instances", ImageId=images[0]["ImageId"], MinCount=1, MaxCount=1,
                      InstanceType="t3.micro", TagSpecifications=[{"ResourceType": "instance", "Tags": tag}])
    instance = reservation["Instances"][0]["InstanceId"]
    ec2("describe_instances", InstanceIds=[instance])
    image = ec2("create_image", InstanceId=instance, Name="recorded-1.2.0", NoReboot=True,
                TagSpecifications=[{"ResourceType": "image", "Tags": tag}, {"ResourceType": "snapshot", "Tags": tag}])
    ec2("describe_images", "own", ImageIds=[image["ImageId"]])
    ec2("copy_image", SourceImageId=image["ImageId"], SourceRegion=region, Name="recorded-copy")
    ec2("modify_image_attribute", ImageId=image["ImageId"], LaunchPermission={"Add": [{"Group": "all"}]})
    ec2("get_image_block_public_access_state")
    ec2("create_tags", Resources=[image["ImageId"]], Tags=[{"Key": "extra", "Value": ""}])
    ec2("delete_tags", Resources=[image["ImageId"]], Tags=[{"Key": "extra"}])
    ec2("describe_tags", Filters=[{"Name": "resource-id", "Values": [image["ImageId"]]}])
    volume = ec2("create_volume", AvailabilityZone=region + "a", Size=3, Encrypted=True)
    ec2("create_snapshot", VolumeId=volume["VolumeId"], Description="encrypted one",
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": tag}])
    snapshots = ec2("describe_snapshots", OwnerIds=["self"])["Snapshots"]
    ec2("delete_snapshot", SnapshotId=snapshots[-1]["SnapshotId"])
    ec2("create_key_pair", KeyName="recorded-1.2.0", TagSpecifications=[{"ResourceType": "key-pair", "Tags": tag}])
    ec2("describe_key_pairs", KeyNames=["recorded-1.2.0"])
    ec2("delete_key_pair", KeyName="recorded-1.2.0")
    bucket = f"recorded-{os.getpid()}"
    boto3.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    task = ec2("export_image", ImageId=image["ImageId"], DiskImageFormat="VMDK", RoleName="vmimport",
               S3ExportLocation={"S3Bucket": bucket, "S3Prefix": "images/1.2.0/"},
               TagSpecifications=[{"ResourceType": "export-image-task", "Tags": tag}])
    ec2("describe_export_image_tasks", ExportImageTaskIds=[task["ExportImageTaskId"]])
    ec2("cancel_export_task", ExportTaskId=task["ExportImageTaskId"])
    ec2("deregister_image", ImageId=image["ImageId"])

    cfn = recorder("cloudformation")
    cfn("validate_template", TemplateBody=TEMPLATE)
    change = cfn("create_change_set", StackName="recorded", ChangeSetName="c1", ChangeSetType="CREATE",
                 TemplateBody=TEMPLATE, Tags=tag)
    cfn("describe_change_set", ChangeSetName=change["Id"])
    cfn("execute_change_set", ChangeSetName=change["Id"])
    cfn("describe_stacks", StackName="recorded")
    cfn("describe_stack_events", StackName="recorded")
    cfn("list_stack_resources", StackName="recorded")
    cfn("update_termination_protection", StackName="recorded", EnableTerminationProtection=False)
    cfn("list_stacks")
    cfn("list_stacks", "empty", StackStatusFilter=["IMPORT_ROLLBACK_FAILED"])
    cfn("delete_stack", StackName="recorded")

    s3 = recorder("s3")
    s3("list_buckets")
    for key in ["images/1.2.0/a.vmdk", "images/1.2.0/b.vhd", "logs/x"]:
        s3("put_object", Bucket=bucket, Key=key, Body=b"bytes", Tagging="asset-id=1.2.0")
    s3("list_objects_v2", Bucket=bucket, Prefix="images/")
    s3("list_objects_v2", "empty", Bucket=bucket, Prefix="nothing/")
    s3("list_objects_v2", "paged", Bucket=bucket, MaxKeys=1, Delimiter="/")
    s3("get_object_tagging", Bucket=bucket, Key="logs/x")
    s3("copy_object", Bucket=bucket, Key="logs/y", CopySource={"Bucket": bucket, "Key": "logs/x"})
    upload = s3("create_multipart_upload", Bucket=bucket, Key="logs/z")
    part = s3("upload_part_copy", Bucket=bucket, Key="logs/z", UploadId=upload["UploadId"], PartNumber=1,
              CopySource={"Bucket": bucket, "Key": "logs/x"})
    s3("complete_multipart_upload", Bucket=bucket, Key="logs/z", UploadId=upload["UploadId"],
       MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["CopyPartResult"]["ETag"]}]})
    s3("delete_objects", Bucket=bucket, Delete={"Objects": [{"Key": "logs/y"}, {"Key": "logs/z"}]})
    s3("delete_objects", "quiet", Bucket=bucket, Delete={"Objects": [{"Key": "logs/x"}], "Quiet": True})

    sts = recorder("sts")
    sts("get_caller_identity")
    sts("assume_role", RoleArn="arn:aws:iam::123456789012:role/recorded", RoleSessionName="recorded")

    iam = recorder("iam")
    iam("list_roles", "empty", PathPrefix="/nothing-here/")
    print(f"recorded {len(list(OUT.glob('*.xml')))} answers in {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
