import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct SecurityGroupTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "security-group",
        abstract: "Make or remove the security group a release's instance is reached through, tagged at creation.",
        version: ToolVersion.text,
        subcommands: [Create.self, Delete.self])
}

extension SecurityGroupTool {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a security group tagged with the asset-id, admitting TCP --port from each source.",
            discussion: """
                The group carries the asset-id and project tags from CreateSecurityGroup itself. Each --port \
                is opened to each --cidr and each --source-group. A group of that name already there is \
                reused if it carries the asset-id (its missing rules are added), refused otherwise. Prints \
                {"GroupId","GroupName","VpcId","AssetId"}.
                """)

        @Option(name: .long, help: "The release's asset-id, e.g. 1.2.0.", transform: AssetId.parse)
        var assetId: AssetId

        @Option(name: .long, help: "Group name (default: sandbox-<asset-id>).")
        var name: String?

        @Option(name: .long, help: "The VPC; without it the account's default VPC.")
        var vpcId: String?

        @Option(name: .long, help: "A TCP port to open (repeat it).")
        var port: [Int] = []

        @Option(name: .long, help: "An IPv4 CIDR the ports are open to (repeat it).")
        var cidr: [String] = []

        @Option(name: .long, help: "A security group whose members the ports are open to (repeat it).")
        var sourceGroup: [String] = []

        @OptionGroup var assets: AssetOptions
        @OptionGroup var aws: AWSOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let name { try ReleaseSecurityGroup.validate(name: name) }
            _ = try ReleaseSecurityGroup.rules(ports: port, cidrs: cidr, groups: sourceGroup)
        }

        func run() throws {
            let printer = try output.printer()
            let client = try aws.client()
            try printer.emit(
                ReleaseSecurityGroup.create(
                    client, name: name ?? AssetConventions.securityGroupName(assetId: assetId.value), vpcId: vpcId,
                    rules: try ReleaseSecurityGroup.rules(ports: port, cidrs: cidr, groups: sourceGroup),
                    tagKey: assets.resolvedTagKey(client.environment), assetId: assetId.value))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a release's group; what is already gone is a success.",
            discussion: """
                Only a group tagged with the project and the release's asset-id is deleted; any other is \
                refused (exit 2, naming its asset-id), unless --force. While the instance that used it is \
                still shutting down, AWS refuses (DependencyViolation): the delete is repeated until \
                --timeout. Prints {"GroupId","GroupName","SecurityGroup":"deleted"|"already gone"}.
                """)

        @Option(name: .long, help: "The release's asset-id: the group must carry it.", transform: AssetId.parse)
        var assetId: AssetId

        @Option(name: .long, help: "The group's id.")
        var groupId: String?

        @Option(name: .long, help: "The group's name, instead of --group-id (default: sandbox-<asset-id>).")
        var name: String?

        @Option(name: .long, help: "The VPC of a group given by --name.")
        var vpcId: String?

        @Option(name: .long, help: "Seconds to keep trying while the group is still in use.")
        var timeout: Double = 300

        @Flag(name: .long, help: "Delete the group even if it is not the release's (no project or asset-id tag).")
        var force = false

        @OptionGroup var assets: AssetOptions
        @OptionGroup var aws: AWSOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if groupId != nil && name != nil { throw ToolError.usage("give --group-id or --name, not both") }
            guard timeout > 0 else { throw ToolError.usage("--timeout must be a positive number of seconds") }
        }

        func run() throws {
            let printer = try output.printer()
            let client = try aws.client()
            try printer.emit(
                ReleaseSecurityGroup.delete(
                    client, id: groupId,
                    name: groupId == nil ? name ?? AssetConventions.securityGroupName(assetId: assetId.value) : nil,
                    vpcId: vpcId,
                    owner: force
                        ? nil
                        : ReleaseOwnership(tagKey: assets.resolvedTagKey(client.environment), assetId: assetId.value),
                    timeout: timeout))
        }
    }
}

ToolMain.run(SecurityGroupTool.self)
