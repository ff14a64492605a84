import AWSCore

/// The calls of a release that change something, each as a preflight can try it before anything
/// exists: the request itself with DryRun=true where EC2 takes it as the release will send it (a
/// create with its tags), else iam:SimulatePrincipalPolicy of the caller with the condition keys
/// the call will carry (the release's tags on what it made, the request's tags, the prefix).
struct ReleaseCalls {
    let preflight: Preflight
    let caller: CallerIdentity
    let region: String

    struct Call {
        var action: String
        var how: String
        var trial: (AWSClient) throws -> (Bool, String)
    }

    var tags: [(String, String)] { AssetConventions.tags(tagKey: preflight.tagKey, assetId: preflight.assetId) }
    /// What a resource the release made carries.
    var tagged: [(String, [String])] { tags.map { ("aws:ResourceTag/\($0.0)", [$0.1]) } }
    /// What a request that tags carries.
    var tagging: [(String, [String])] {
        tags.map { ("aws:RequestTag/\($0.0)", [$0.1]) } + [("aws:TagKeys", tags.map(\.0))]
    }

    func ec2(_ type: String, _ id: String = "*") -> String {
        // Images and snapshots may be shared or public: their ARNs carry no account.
        let account = ["image", "snapshot"].contains(type) ? "" : caller.account
        return "arn:\(caller.partition):ec2:\(region):\(account):\(type)/\(id)"
    }

    func dryRun(_ action: String, _ note: String = "", _ body: @escaping (AWSClient) throws -> DryRun) -> Call {
        Call(action: "ec2:\(action)" + note, how: "dry run") { client in
            switch try body(client) {
            case .allowed: return (true, "DryRunOperation")
            case let .denied(message): return (false, "UnauthorizedOperation: \(message)")
            }
        }
    }

    func simulated(_ action: String, _ note: String = "", _ resources: [String], _ context: [(String, [String])])
        -> Call
    {
        Call(action: action + note, how: "simulated") { client in
            guard let principal = caller.principalArn else {
                return (false, "cannot simulate the policies of \(caller.arn): neither a user nor a role's session")
            }
            let denied = try PolicySimulator(client).denials(
                principal: principal, actions: [action], resources: resources, context: context)
            return denied.isEmpty
                ? (true, "allowed")
                : (false, denied.map { "\($0.decision) on \($0.resource)" }.joined(separator: ", "))
        }
    }

    /// The tools' calls, then CloudFormation's for the template's resource types, then S3's.
    func all(resourceTypes: [String]) -> [Call] {
        tools + stack(resourceTypes) + s3
    }

    /// keypair, security-group, ami-export (image, export, make-public), purge-assets.
    var tools: [Call] {
        let keyName = "\(AssetConventions.keyPairPrefix)\(preflight.assetId)-preflight"
        let group = AssetConventions.securityGroupName(assetId: preflight.assetId)
        return [
            dryRun("CreateKeyPair") { try KeyPairs($0).mayCreate(name: keyName, type: "ed25519", tags: tags) },
            simulated("ec2:DeleteKeyPair", "", [ec2("key-pair", keyName)], tagged),
            dryRun("CreateSecurityGroup") {
                try SecurityGroups($0).mayCreate(
                    name: group, description: "preflight", vpcId: preflight.vpcId, tags: tags)
            },
            simulated(
                "ec2:AuthorizeSecurityGroupIngress", "", [ec2("security-group"), ec2("security-group-rule")], tagged),
            simulated("ec2:DeleteSecurityGroup", "", [ec2("security-group")], tagged),
            simulated("ec2:CreateImage", "", [ec2("instance"), ec2("image"), ec2("snapshot")], tagged + tagging),
            simulated("ec2:CreateTags", " of the AMI", [ec2("image"), ec2("snapshot")], tagged + tagging),
            dryRun("CopyImage") {
                try Images($0).mayCopy(
                    sourceId: preflight.sourceImage, name: "data-science-sandbox-\(preflight.assetId)-preflight",
                    tags: tags)
            },
            simulated("ec2:ExportImage", "", [ec2("image"), ec2("export-image-task")], tagged + tagging),
            simulated("ec2:CancelExportTask", "", [ec2("export-image-task")], tagged),
            simulated(
                "ec2:DeleteTags", " of an export task", [ec2("export-image-task")],
                tagged + [("aws:TagKeys", [preflight.tagKey])]),
            simulated("ec2:ModifyImageAttribute", " (MAKE_PUBLIC)", [ec2("image")], tagged),
            simulated("ec2:DeregisterImage", "", [ec2("image")], tagged),
            simulated("ec2:DeleteSnapshot", "", [ec2("snapshot")], tagged),
        ]
    }

    /// cfn-deploy's calls on the EC2 stack, and those CloudFormation makes with the caller's rights
    /// for each resource type of the template, in its order (stacks/README.md): a security group is
    /// created untagged, its rules authorized, and only then tagged (cloudformation-coverage-roadmap#714).
    func stack(_ resourceTypes: [String]) -> [Call] {
        let stackArn = "arn:\(caller.partition):cloudformation:\(region):\(caller.account):stack/\(preflight.stack)/*"
        var calls = ["CreateChangeSet", "ExecuteChangeSet", "DeleteStack"].map {
            simulated("cloudformation:\($0)", "", [stackArn], tagging)
        }
        let asCloudFormation = ", as CloudFormation makes it"
        for type in resourceTypes where type.hasPrefix("AWS::EC2::") {
            switch type {
            case "AWS::EC2::SecurityGroup":
                calls += [
                    dryRun("CreateSecurityGroup", asCloudFormation + ", untagged") {
                        try SecurityGroups($0).mayCreate(
                            name: "\(preflight.stack)-preflight", description: "preflight", vpcId: preflight.vpcId,
                            tags: [])
                    },
                    simulated(
                        "ec2:AuthorizeSecurityGroupIngress", asCloudFormation + ", on the untagged group",
                        [ec2("security-group"), ec2("security-group-rule")], []),
                    simulated(
                        "ec2:CreateTags", asCloudFormation + ", after the rules", [ec2("security-group")], tagging),
                    simulated("ec2:DeleteSecurityGroup", asCloudFormation, [ec2("security-group")], tagged),
                ]
            case "AWS::EC2::LaunchTemplate":
                calls += [
                    dryRun("CreateLaunchTemplate", asCloudFormation) {
                        try LaunchTemplates($0).mayCreate(name: "\(preflight.stack)-preflight", tags: tags)
                    },
                    simulated("ec2:DeleteLaunchTemplate", asCloudFormation, [ec2("launch-template")], tagged),
                ]
            case "AWS::EC2::Instance":
                let keyPair = ec2("key-pair", "\(AssetConventions.keyPairPrefix)\(preflight.assetId)-preflight")
                calls += [
                    dryRun("RunInstances", asCloudFormation) {
                        try Instances($0).mayLaunch(
                            imageId: preflight.sourceImage, instanceType: preflight.instanceType,
                            subnetId: preflight.subnetId, tags: tags)
                    },
                    simulated(
                        "ec2:RunInstances", asCloudFormation + ", from its launch template and key pair",
                        [ec2("launch-template"), keyPair], tagged),
                    simulated("ec2:TerminateInstances", asCloudFormation, [ec2("instance")], tagged),
                ]
            default:
                calls.append(
                    Call(action: type, how: "template") { _ in
                        (
                            false,
                            "preflight does not know the calls CloudFormation makes for \(type); add them to ReleaseCalls"
                        )
                    })
            }
        }
        return calls
    }

    /// ami-export's moves out of the staging prefix, verify-image's reads and purge-assets'
    /// deletes, under `<images prefix>/<asset-id>/` and `<staging prefix>/<asset-id>/`.
    var s3: [Call] {
        let bucket = "arn:\(caller.partition):s3:::\(preflight.bucket)"
        let images = AssetConventions.imagesKeyPrefix(imagesPrefix: preflight.imagesPrefix, assetId: preflight.assetId)
        let staged = AssetConventions.imagesKeyPrefix(imagesPrefix: preflight.stagingPrefix, assetId: preflight.assetId)
        return [images, staged].map { simulated("s3:ListBucket", " of \($0)", [bucket], [("s3:prefix", [$0])]) }
            + [
                "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ]
            .map { simulated($0, "", ["\(bucket)/\(images)preflight.vmdk"], []) }
            + ["s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]
            .map { simulated($0, " of a staged export", ["\(bucket)/\(staged)export-ami-preflight.vmdk"], []) }
    }
}
