#!/usr/bin/env python3
"""Build a mixed EC2 fleet on a moto server, for comparing control scanners on one fleet.

    moto_server -p 5077 &
    AWS_ENDPOINT_URL=http://127.0.0.1:5077 AWS_ACCESS_KEY_ID=testing \
      AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 python3 scripts/versus_fleet.py
    AWS_ENDPOINT_URL=... ec2guard scan --controls all --region us-east-1 --format json

It resets the server first (POST /moto-api/reset), then makes, in one region, every case the EC2
controls tell apart: instances with and without IMDSv2 (and IMDS disabled), public IPs, stopped
instances, security groups open on 22/3389/high-risk/other ports to 0.0.0.0/0 and ::/0 (tcp, udp,
all traffic, ranges), default groups with and without rules, attached and unattached volumes,
encrypted or not, public and private snapshots and AMIs, used and unused Elastic IPs, launch
templates (IMDS, public IP, EBS encryption, secrets in user data; default and other versions),
subnets auto-assigning IPv4 or IPv6 addresses, network ACLs with and without open entries, and
the account settings left at their defaults. The fleet is fixed (a seeded generator): the same
run makes the same kinds of resources. It prints a count of what it made, as JSON.

Loopback endpoints only: it refuses any other AWS_ENDPOINT_URL.
"""
import base64
import json
import os
import random
import sys
import urllib.parse
import urllib.request

import boto3

SCALE = int(os.environ.get("VERSUS_SCALE", "1"))


def endpoint():
    url = os.environ.get("AWS_ENDPOINT_URL", "")
    host = urllib.parse.urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("versus_fleet: AWS_ENDPOINT_URL must be a loopback moto server, not %r" % url)
    return url


def main():
    url = endpoint()
    urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST")).read()
    rnd = random.Random(10)
    ec2 = boto3.client("ec2", endpoint_url=url, region_name=os.environ.get("AWS_REGION", "us-east-1"))
    made = {}

    def count(kind, n=1):
        made[kind] = made.get(kind, 0) + n

    image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    kp = None

    # --- networks: the default VPC (moto makes it, with public default subnets) and custom VPCs.
    vpcs = []
    public_subnets, private_subnets = [], []
    for v in range(4 * SCALE):
        vpc = ec2.create_vpc(CidrBlock="10.%d.0.0/16" % v, AmazonProvidedIpv6CidrBlock=True)["Vpc"]
        vid = vpc["VpcId"]
        vpcs.append(vid)
        count("vpc")
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
        rt = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        v6 = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0].get("Ipv6CidrBlockAssociationSet", [])
        v6base = v6[0]["Ipv6CidrBlock"] if v6 else None
        for s in range(4):
            kw = {"VpcId": vid, "CidrBlock": "10.%d.%d.0/24" % (v, s)}
            if v6base and s == 3:
                kw["Ipv6CidrBlock"] = v6base.replace("/56", "/64")
            sub = ec2.create_subnet(**kw)["Subnet"]["SubnetId"]
            count("subnet")
            if s == 0:  # public: auto-assigns IPv4, routed to the internet gateway
                ec2.modify_subnet_attribute(SubnetId=sub, MapPublicIpOnLaunch={"Value": True})
                ec2.associate_route_table(RouteTableId=rt, SubnetId=sub)
                public_subnets.append(sub)
            elif s == 3 and v6base:  # auto-assigns IPv6 only
                ec2.modify_subnet_attribute(SubnetId=sub, AssignIpv6AddressOnCreation={"Value": True})
                private_subnets.append(sub)
            else:
                private_subnets.append(sub)

        # network ACLs: open on 22 or 3389 to the world, or not
        acl_cases = [
            [(100, "6", (22, 22), "0.0.0.0/0", "allow")],
            [(100, "6", (3389, 3389), "0.0.0.0/0", "allow")],
            [(100, "6", (0, 1024), "0.0.0.0/0", "allow")],
            [(100, "-1", None, "0.0.0.0/0", "allow")],
            [(100, "6", (22, 22), "10.0.0.0/8", "allow")],
            [(100, "6", (443, 443), "0.0.0.0/0", "allow")],
            [(90, "6", (22, 22), "0.0.0.0/0", "deny"), (100, "6", (22, 22), "0.0.0.0/0", "allow")],
            [(100, "17", (3389, 3389), "0.0.0.0/0", "allow")],
            [(100, "6", (22, 22), "::/0", "allow")],
            [(100, "6", (3380, 3400), "0.0.0.0/0", "allow")],
            [(100, "6", (22, 22), "0.0.0.0/0", "allow", True)],  # egress only
        ]
        for case in acl_cases:
            acl = ec2.create_network_acl(VpcId=vid)["NetworkAcl"]["NetworkAclId"]
            count("network-acl")
            for num, proto, ports, cidr, action, *egress in case:
                kw = {"NetworkAclId": acl, "RuleNumber": num, "Protocol": proto, "RuleAction": action, "Egress": bool(egress)}
                kw["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
                if ports:
                    kw["PortRange"] = {"From": ports[0], "To": ports[1]}
                ec2.create_network_acl_entry(**kw)

        # the VPC's default security group: moto gives it the usual self-ingress and egress-all;
        # in one VPC its rules are revoked (a closed default group), in another only its ingress.
        dsg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
        if v % 2 == 1:
            if dsg.get("IpPermissions"):
                ec2.revoke_security_group_ingress(GroupId=dsg["GroupId"], IpPermissions=dsg["IpPermissions"])
            if dsg.get("IpPermissionsEgress") and v == 1:
                ec2.revoke_security_group_egress(GroupId=dsg["GroupId"], IpPermissions=dsg["IpPermissionsEgress"])
        elif v == 2:
            ec2.authorize_security_group_ingress(GroupId=dsg["GroupId"], IpPermissions=[perm("tcp", 22, 22, ["0.0.0.0/0"])])

    # --- security groups: every shape the ingress controls tell apart
    sg_cases = [
        [perm("tcp", 22, 22, ["0.0.0.0/0"])],
        [perm("tcp", 22, 22, [], ["::/0"])],
        [perm("tcp", 3389, 3389, ["0.0.0.0/0"])],
        [perm("tcp", 3389, 3389, [], ["::/0"])],
        [perm("udp", 22, 22, ["0.0.0.0/0"])],
        [perm("udp", 3389, 3389, [], ["::/0"])],
        [perm("-1", None, None, ["0.0.0.0/0"])],
        [perm("-1", None, None, [], ["::/0"])],
        [perm("tcp", 0, 65535, ["0.0.0.0/0"])],
        [perm("tcp", 20, 25, ["0.0.0.0/0"])],
        [perm("tcp", 80, 80, ["0.0.0.0/0"]), perm("tcp", 443, 443, ["0.0.0.0/0"], ["::/0"])],
        [perm("tcp", 8080, 8080, ["0.0.0.0/0"])],
        [perm("tcp", 8888, 8888, ["0.0.0.0/0"])],
        [perm("tcp", 5432, 5432, [], ["::/0"])],
        [perm("tcp", 3306, 3306, ["0.0.0.0/0"])],
        [perm("tcp", 9200, 9300, ["0.0.0.0/0"])],
        [perm("tcp", 27017, 27017, ["0.0.0.0/0"])],
        [perm("tcp", 6379, 6379, ["0.0.0.0/0"])],
        [perm("tcp", 139, 139, ["0.0.0.0/0"])],
        [perm("tcp", 1000, 2000, ["0.0.0.0/0"])],
        [perm("udp", 53, 53, ["0.0.0.0/0"])],
        [perm("icmp", -1, -1, ["0.0.0.0/0"])],
        [perm("tcp", 22, 22, ["10.0.0.0/8", "192.168.0.0/16"])],
        [perm("tcp", 22, 22, ["1.2.3.4/32"]), perm("tcp", 3389, 3389, ["1.2.3.0/24"])],
        [perm("tcp", 443, 443, ["0.0.0.0/0"])],
        [perm("6", 22, 22, ["0.0.0.0/0"])],
        [perm("17", 3389, 3389, [], ["::/0"])],
        [perm("tcp", 22, 22, ["10.1.0.0/16", "0.0.0.0/0"])],
        [perm("tcp", 3389, 3389, ["0.0.0.0/1", "128.0.0.0/1"])],
        [],
    ]
    groups = []
    k = 0
    for rep in range(2 * SCALE):
        for case in sg_cases:
            vid = vpcs[k % len(vpcs)]
            g = ec2.create_security_group(GroupName="versus-%d" % k, Description="versus case %d" % k, VpcId=vid)["GroupId"]
            k += 1
            count("security-group")
            if case:
                ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=case)
            groups.append((vid, g))

    # --- instances: IMDS settings, public or private subnets, stopped or running, user data
    secrets = [
        "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAZ7Q3WXR4NT2YPLMB\nexport AWS_SECRET_ACCESS_KEY=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\n",
        "#!/bin/bash\ncat > /root/.ssh/id_rsa <<EOF\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Z8Q9bF4wK7hYc1nR8sLx0pV3eJt\nq5Wk9Hd2Lr4Ns6Xy1Bv8Mc3Gz0Pf7Ju2Qa5Te9Rw4Yi6Uo1Lp3Kj8Hg2Fd5Sa\n-----END RSA PRIVATE KEY-----\nEOF\n",
        "#!/bin/bash\nmysql -u admin --password=\"Tr0ub4dor&3xyz\" -e 'select 1'\n",
    ]
    plain = "#!/bin/bash\nyum install -y httpd\nsystemctl enable --now httpd\n"
    instances = []
    n_inst = 40 * SCALE
    for i in range(n_inst):
        public = i % 3 == 0
        subnets = public_subnets if public else private_subnets
        sub = subnets[i % len(subnets)]
        vid = ec2.describe_subnets(SubnetIds=[sub])["Subnets"][0]["VpcId"]
        sgs = [g for v, g in groups if v == vid]
        kw = {
            "ImageId": image, "MinCount": 1, "MaxCount": 1, "InstanceType": "t3.micro", "SubnetId": sub,
            "SecurityGroupIds": [sgs[(i * 7) % len(sgs)]],
        }
        m = i % 4
        if m == 0:
            kw["MetadataOptions"] = {"HttpTokens": "required", "HttpEndpoint": "enabled"}
        elif m == 1:
            kw["MetadataOptions"] = {"HttpTokens": "optional", "HttpEndpoint": "enabled"}
        elif m == 2:
            kw["MetadataOptions"] = {"HttpTokens": "optional", "HttpEndpoint": "disabled"}
        if i % 5 == 0:
            kw["UserData"] = secrets[(i // 5) % len(secrets)]
        elif i % 5 == 1:
            kw["UserData"] = plain
        if i % 6 == 0:
            kw["BlockDeviceMappings"] = [{"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 8, "Encrypted": True}}]
        elif i % 6 == 1:
            kw["BlockDeviceMappings"] = [{"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 8, "Encrypted": False}}]
        iid = ec2.run_instances(**kw)["Instances"][0]["InstanceId"]
        count("instance")
        instances.append(iid)
    # stopped for 0 to 400 days: moto cannot age a fleet, so the tag versus:stopped-days asks the
    # patched server the comparison runs on to backdate the stop (a plain moto ignores it: all 0)
    stopped = instances[1::5]
    for iid, days in zip(stopped, [0, 10, 29, 31, 45, 90, 200, 400] * SCALE):
        ec2.create_tags(Resources=[iid], Tags=[{"Key": "versus:stopped-days", "Value": str(days)}])
    ec2.stop_instances(InstanceIds=stopped)

    # --- volumes: attached or not, encrypted or not
    az = ec2.describe_subnets(SubnetIds=[private_subnets[0]])["Subnets"][0]["AvailabilityZone"]
    vols = []
    for i in range(30 * SCALE):
        vol = ec2.create_volume(AvailabilityZone=az, Size=4, Encrypted=(i % 2 == 0))["VolumeId"]
        count("volume")
        vols.append(vol)
    same_az = [iid for iid in instances if ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["Placement"]["AvailabilityZone"] == az]
    for j, vol in enumerate(vols[: 10 * SCALE]):
        if same_az:
            ec2.attach_volume(VolumeId=vol, InstanceId=same_az[j % len(same_az)], Device="/dev/sd%s" % "fghijklmnop"[j % 11])

    # --- snapshots: public or private, encrypted or not
    snaps = []
    for i, vol in enumerate(vols):
        sid = ec2.create_snapshot(VolumeId=vol, Description="versus %d" % i)["SnapshotId"]
        count("snapshot")
        snaps.append(sid)
        if i % 4 == 0:
            ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute="createVolumePermission", OperationType="add", GroupNames=["all"])
        elif i % 4 == 1:
            ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute="createVolumePermission", OperationType="add", UserIds=["111122223333"])

    # --- AMIs of our own: public or private
    for i, iid in enumerate(instances[: 12 * SCALE]):
        ami = ec2.create_image(InstanceId=iid, Name="versus-ami-%d" % i)["ImageId"]
        count("image")
        if i % 3 == 0:
            ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"Group": "all"}]})
        elif i % 3 == 1:
            ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"UserId": "111122223333"}]})

    # --- Elastic IPs: associated (with an instance, or with a bare network interface) or not
    running = [iid for iid in instances if iid not in stopped]
    for i in range(16 * SCALE):
        alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
        count("address")
        if i % 4 == 2:
            eni = ec2.create_network_interface(SubnetId=private_subnets[i % len(private_subnets)])["NetworkInterface"]["NetworkInterfaceId"]
            ec2.associate_address(AllocationId=alloc, NetworkInterfaceId=eni)
        elif i % 2 == 0:
            ec2.associate_address(AllocationId=alloc, InstanceId=running[i % len(running)])

    # --- launch templates: IMDS, public IP on an interface, EBS encryption, secrets; versions
    lt_cases = [
        {"MetadataOptions": {"HttpTokens": "required"}},
        {"MetadataOptions": {"HttpTokens": "optional"}},
        {},
        {"MetadataOptions": {"HttpTokens": "optional", "HttpEndpoint": "disabled"}},
        {"NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": True}], "MetadataOptions": {"HttpTokens": "required"}},
        {"NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False}]},
        {"BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "Encrypted": True}}], "MetadataOptions": {"HttpTokens": "required"}},
        {"BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "Encrypted": False}}]},
        {"UserData": b64(secrets[0])},
        {"UserData": b64(secrets[2]), "MetadataOptions": {"HttpTokens": "required"}},
        {"UserData": b64(plain)},
        {"BlockDeviceMappings": [{"DeviceName": "/dev/xvdb", "Ebs": {"VolumeSize": 8}}]},  # Encrypted not said
    ]
    for rep in range(2 * SCALE):
        for i, data in enumerate(lt_cases):
            data = dict(data, ImageId=image, InstanceType="t3.micro")
            name = "versus-lt-%d-%d" % (rep, i)
            lt = ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)["LaunchTemplate"]["LaunchTemplateId"]
            count("launch-template")
            if rep == 1:
                # a second version that differs; it stays non-default on odd cases, becomes default on even
                other = dict(data)
                if "MetadataOptions" in other and other["MetadataOptions"].get("HttpTokens") == "required":
                    other["MetadataOptions"] = {"HttpTokens": "optional"}
                else:
                    other["MetadataOptions"] = {"HttpTokens": "required"}
                if "NetworkInterfaces" not in other:
                    other["NetworkInterfaces"] = [{"DeviceIndex": 0, "AssociatePublicIpAddress": i % 3 == 0}]
                ec2.create_launch_template_version(LaunchTemplateId=lt, LaunchTemplateData=other)
                if i % 2 == 0:
                    ec2.modify_launch_template(LaunchTemplateId=lt, DefaultVersion="2")

    made["vpc"] = made.get("vpc", 0) + 1  # the default VPC
    made["total"] = sum(v for k, v in made.items())
    print(json.dumps(made, sort_keys=True))


def perm(proto, lo, hi, v4=(), v6=()):
    p = {"IpProtocol": proto}
    if lo is not None:
        p["FromPort"], p["ToPort"] = lo, hi
    if v4:
        p["IpRanges"] = [{"CidrIp": c} for c in v4]
    if v6:
        p["Ipv6Ranges"] = [{"CidrIpv6": c} for c in v6]
    return p


def b64(s):
    return base64.b64encode(s.encode()).decode()


if __name__ == "__main__":
    main()
