"""Seed 000's Lambda body (boto3 start_instances on the event's instance), run as a fresh
process: the reference ec2guard's cold handling is measured against."""
import json
import sys

import boto3

event = json.load(open(sys.argv[1]))
ec2 = boto3.client("ec2")
ec2.start_instances(InstanceIds=[event["detail"]["instance-id"]])
print("Protected instance stopped - starting up instance: " + event["detail"]["instance-id"])
