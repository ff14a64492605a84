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
              {"stack":"NAME","template":"FILE","parameters":{"K":"V"},"tags":{"K":"V"}}
            Parameter values may be numbers, booleans or arrays (joined with commas).
            Prints {"StackName","StackId","Status","Outputs":{KEY:VALUE},"Changed":true|false}; the \
            stack's events stream to stderr while it changes.
            With --tag asset-id=ID (the key: $ASSET_TAG_KEY or asset-id), an existing stack tagged with \
            another asset-id is neither updated nor deleted (exit 2, naming both tags).
            """)

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

    @Option(name: .long, help: "Seconds to wait for CloudFormation.")
    var timeout: Double = 3600

    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    static let inputKeys: Set<String> = ["stack", "template", "parameters", "tags"]

    func validate() throws {
        guard timeout > 0 else { throw ToolError.usage("--timeout must be a positive number of seconds") }
        guard !(delete && describe) else { throw ToolError.usage("--delete and --describe exclude each other") }
        if delete || describe {
            // --delete keeps --tag: the asset-id tag the stack must carry.
            guard template == nil, params.isEmpty, tags.isEmpty || delete, templateBucket == nil, !deleteFailed,
                !terminationProtection
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
            try input?.rejectUnknownKeys(allowed: delete || describe ? ["stack"] : CfnDeploy.inputKeys)
        }
        let name = try stack ?? input?.requiredString("stack")
        guard let name else { throw ToolError.usage("missing the stack: give --stack NAME or \"stack\" on stdin") }
        guard Stack.isValidName(name) else {
            throw ToolError.usage("invalid stack name '\(name)': a letter, then letters, digits and '-', at most 128")
        }
        if describe { return try printer.emit(Stacks(try aws.client()).result(of: name)) }
        let tagKey = AssetOptions.tagKey(nil, processEnvironment())
        if delete {
            let given = try StackParameters.assignments(tags, flag: "--tag").first { $0.0 == tagKey }.map {
                (key: $0.0, value: $0.1)
            }
            return try printer.emit(Stacks(try aws.client()).deleteResult(name, timeout: timeout, requiredTag: given))
        }

        let path = try template ?? input?.requiredString("template")
        guard let path else {
            throw ToolError.usage("missing the template: give --template FILE or \"template\" on stdin")
        }
        let parameters = StackParameters.merge(
            try StackParameters.pairs(input?.object("parameters") ?? [], what: "parameter", lists: true),
            try StackParameters.assignments(params, flag: "--param"))
        let stackTags = StackParameters.merge(
            try StackParameters.pairs(input?.object("tags") ?? [], what: "tag", lists: false),
            try StackParameters.assignments(tags, flag: "--tag"))
        try StackParameters.checkTags(stackTags)
        var deployment = StackDeployment(
            stackName: name, template: try StackTemplate(path: path, uploadBucket: templateBucket),
            templateBucket: templateBucket, parameters: parameters, tags: stackTags,
            deleteFailed: deleteFailed, timeout: timeout)
        deployment.requiredTag = stackTags.first { $0.0 == tagKey }.map { (key: $0.0, value: $0.1) }
        deployment.terminationProtection = terminationProtection
        try printer.emit(deployment.run(try aws.client()))
    }
}

ToolMain.run(CfnDeploy.self)
