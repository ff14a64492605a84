import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct CfnDeploy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cfn-deploy",
        abstract: "Deploy a CloudFormation template to a stack through a change set, or delete a stack.",
        usage: """
            cfn-deploy --stack <stack> --template <file> [--param <key=value> ...] [--tag <key=value> ...] [<options>]
              cfn-deploy --delete --stack <stack>
              cfn-deploy --describe --stack <stack>
            """,
        discussion: """
            Input as flags, or as JSON on stdin (flags win, parameters and tags key by key; stdin is not \
            read when the flags name the stack and the template, nor by --delete or --describe with --stack):
              {"StackName":"NAME","Template":"FILE","Parameters":{"K":"V"},"Tags":{"K":"V"}}
            Parameter values may be numbers, booleans or arrays (joined with commas). The tool's own \
            output is valid input (cfn-deploy … | cfn-deploy --describe): its other fields are ignored; \
            --delete and --describe read only "StackName".
            Prints {"StackName","StackId","Status","Outputs":{KEY:VALUE},"Changed":true|false}; the \
            stack's events stream to stderr while it changes. With --no-execute it prints \
            {"StackName","ChangeSetName","ChangeSetId","ChangeSetType","Changes":[{"Action",\
            "LogicalResourceId","PhysicalResourceId","ResourceType","Replacement"}]} and leaves the change \
            set for review: the same deploy without --no-execute executes it; a deploy of anything else \
            replaces it.
            With --tag asset-id=ID (the key: $ASSET_TAG_KEY or asset-id), an existing stack tagged with \
            another asset-id is neither updated nor deleted (exit 2, naming both tags).
            """,
        version: ToolVersion.text)

    @Option(name: .long, help: "Stack name.")
    var stack: String?

    @Option(name: .long, help: "Template file (YAML or JSON).")
    var template: String?

    @Option(name: .customLong("param"), help: "Template parameter KEY=VALUE (repeatable).")
    var params: [String] = []

    @Option(name: .customLong("tag"), help: "Stack tag KEY=VALUE, propagated to the resources (repeatable).")
    var tags: [String] = []

    @Option(name: .long, help: "Upload the template to s3://BUCKET/cfn-templates/ first (templates over 51,200 bytes).")
    var templateBucket: String?

    @Flag(name: .long, help: "Delete a stack whose CREATE rolled back (ROLLBACK_COMPLETE).")
    var deleteFailed = false

    @Flag(name: .long, help: "Delete the stack and wait; a missing stack is already deleted.")
    var delete = false

    @Flag(name: .long, help: "Turn on the stack's termination protection after the deploy (the permanent stacks).")
    var terminationProtection = false

    @Flag(name: .long, help: "Print the stack's result without changing it.")
    var describe = false

    @Flag(name: .long, help: "Make the change set and print it; leave it for review, unexecuted.")
    var noExecute = false

    @Option(
        name: .long, parsing: .unconditional, help: "Seconds to wait for CloudFormation.",
        transform: NumberArgument.seconds)
    var timeout: Double = 3600

    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    static let inputKeys: Set<String> = ["StackName", "Template", "Parameters", "Tags"]
    /// What cfn-deploy prints besides the stack's name: ignored as input, since it describes the
    /// stack and changes nothing a deploy does.
    static let outputKeys: Set<String> = [
        "StackId", "Status", "Outputs", "Changed", "ChangeSetName", "ChangeSetId", "ChangeSetType", "Changes",
    ]

    func validate() throws {
        guard !(delete && describe) else { throw ToolError.usage("--delete and --describe exclude each other") }
        if delete || describe {
            // --delete keeps --tag: the asset-id tag the stack must carry.
            guard template == nil, params.isEmpty, tags.isEmpty || delete, templateBucket == nil, !deleteFailed,
                !terminationProtection, !noExecute
            else {
                throw ToolError.usage(
                    "--\(delete ? "delete" : "describe") takes only --stack\(delete ? ", --tag" : "") (and --region, --timeout)"
                )
            }
        }
        _ = try StackParameters.assignments(params, flag: "--param")
        _ = try StackParameters.assignments(tags, flag: "--tag")
        if let bucket = templateBucket, bucket.isEmpty { throw ToolError.usage("--template-bucket is empty") }
    }

    func run() throws {
        let printer = try output.printer()
        var input: Fields?
        // Decided by the flags, never by waiting: an inherited pipe nobody writes to would block the tool.
        let flagsSuffice = stack != nil && (template != nil || delete || describe)
        if !flagsSuffice, let json = try Input.json(required: false, what: "a deploy object") {
            input = try Fields(json, what: "input")
            let known = CfnDeploy.inputKeys.union(CfnDeploy.outputKeys)
            if !(delete || describe), let unknown = json.object?.first(where: { !known.contains($0.0) }) {
                throw ToolError.usage(
                    "input: unknown field '\(unknown.0)' (expected \(CfnDeploy.inputKeys.sorted().joined(separator: ", ")))"
                )
            }
        }
        let name = try stack ?? input?.requiredString("StackName")
        guard let name else {
            throw ToolError.usage("missing the stack: give --stack NAME or \"StackName\" on stdin")
        }
        guard Stack.isValidName(name) else {
            throw ToolError.usage("invalid stack name '\(name)': a letter, then letters, digits and '-', at most 128")
        }
        if describe { return try printer.emit(Stacks(try aws.client()).result(of: name)) }
        let tagKey = AssetOptions.tagKey(nil, aws.environment())
        if delete {
            let given = try StackParameters.assignments(tags, flag: "--tag").first { $0.0 == tagKey }.map {
                (key: $0.0, value: $0.1)
            }
            return try printer.emit(Stacks(try aws.client()).deleteResult(name, timeout: timeout, requiredTag: given))
        }

        let path = try template ?? input?.requiredString("Template")
        guard let path else {
            throw ToolError.usage("missing the template: give --template FILE or \"Template\" on stdin")
        }
        let parameters = StackParameters.merge(
            try StackParameters.pairs(input?.object("Parameters") ?? [], what: "parameter", lists: true),
            try StackParameters.assignments(params, flag: "--param"))
        let stackTags = StackParameters.merge(
            try StackParameters.pairs(input?.object("Tags") ?? [], what: "tag", lists: false),
            try StackParameters.assignments(tags, flag: "--tag"))
        try StackParameters.checkTags(stackTags)
        var deployment = StackDeployment(
            stackName: name, template: try StackTemplate(path: path, uploadBucket: templateBucket),
            templateBucket: templateBucket, parameters: parameters, tags: stackTags,
            deleteFailed: deleteFailed, timeout: timeout)
        deployment.requiredTag = stackTags.first { $0.0 == tagKey }.map { (key: $0.0, value: $0.1) }
        deployment.terminationProtection = terminationProtection
        deployment.execute = !noExecute
        try printer.emit(deployment.run(try aws.client()))
    }
}

ToolMain.run(CfnDeploy.self)
