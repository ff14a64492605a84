import AWSCore

/// A change set for one deploy: its name and client token derive from everything it would
/// change, so a retried CreateChangeSet or ExecuteChangeSet finds the first one instead of
/// making a second.
public struct ChangeSet {
    public let stackName: String
    /// CREATE for a missing stack (or one in REVIEW_IN_PROGRESS), UPDATE otherwise.
    public let type: String
    /// `cfn-deploy-<hash12>`: unique per content.
    public let name: String
    public let token: String
    let params: [(String, String)]

    /// `stackState` is what the change set starts from (the stack's id and last change for an
    /// UPDATE): the same content against a stack changed since is another change set.
    public init(
        stackName: String, type: String, stackState: String, template: StackTemplate,
        parameters: [(String, String)], tags: [(String, String)], capabilities: [String]
    ) {
        let parameters = parameters.sorted { $0.0 < $1.0 }
        let tags = tags.sorted { $0.0 < $1.0 }
        var content = [stackName, type, stackState, template.sha256, template.source.0]
        content +=
            parameters.map { "P\($0.0)=\($0.1)" } + tags.map { "T\($0.0)=\($0.1)" } + capabilities.map { "C\($0)" }
        let hash = Digest.hex(Digest.sha256(content.joined(separator: "\u{0}")))
        self.stackName = stackName
        self.type = type
        name = ChangeSet.namePrefix + hash.prefix(12)
        token = ChangeSet.namePrefix + hash.prefix(40)

        var p = QueryParams()
        p.add("StackName", stackName)
        p.add("ChangeSetName", name)
        p.add("ChangeSetType", type)
        p.add("ClientToken", token)
        p.add(template.source.0, template.source.1)
        for (i, (k, v)) in parameters.enumerated() {
            p.add("Parameters.member.\(i + 1).ParameterKey", k)
            p.add("Parameters.member.\(i + 1).ParameterValue", v)
        }
        for (i, (k, v)) in tags.enumerated() {
            p.add("Tags.member.\(i + 1).Key", k)
            p.add("Tags.member.\(i + 1).Value", v)
        }
        p.list("Capabilities", capabilities, member: true)
        params = p.pairs
    }

    /// The start of every change set cfn-deploy makes.
    static let namePrefix = "cfn-deploy-"

    /// How creating the change set ended.
    public enum Outcome: Equatable {
        case ready
        /// CloudFormation found nothing to change: not an error for a deploy.
        case noChanges
        case failed(String)
    }

    /// CloudFormation's words for a change set without changes.
    static func isNoChanges(_ reason: String) -> Bool {
        reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
    }
}
