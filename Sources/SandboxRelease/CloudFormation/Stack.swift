import AWSCore

/// A CloudFormation stack as CloudFormation describes it.
public struct Stack {
    public var name: String
    public var id: String
    public var status: String
    public var statusReason: String?
    /// LastUpdatedTime, or CreationTime for a stack never updated: changes with every execution.
    public var lastChanged: String
    public var outputs: [(String, String)]
    public var created: String?
    public var tags: [String: String]

    public init(_ json: JSON) {
        name = json["StackName"]?.string ?? ""
        id = json["StackId"]?.string ?? ""
        status = json["StackStatus"]?.string ?? ""
        statusReason = json["StackStatusReason"]?.nonEmptyString
        lastChanged = json["LastUpdatedTime"]?.string ?? json["CreationTime"]?.string ?? ""
        outputs =
            json["Outputs"]?.list.compactMap { o in
                o["OutputKey"]?.string.map { ($0, o["OutputValue"]?.string ?? "") }
            } ?? []
        created = json["CreationTime"]?.string
        tags = [:]
        for t in json["Tags"]?.list ?? [] { if let k = t["Key"]?.string { tags[k] = t["Value"]?.string ?? "" } }
    }

    /// Refuses a stack tagged with another value of `tag`'s key (the asset-id) than the one
    /// given, so that one release never updates or deletes another's stack.
    public func requireTag(_ tag: (key: String, value: String)?) throws {
        guard let tag, tags[tag.key] != tag.value else { return }
        throw ToolError.usage(
            "stack \(name) is tagged \(tag.key)=\(tags[tag.key] ?? "(none)"), not \(tag.key)=\(tag.value) as given: it belongs to another release; nothing changed"
        )
    }

    /// CloudFormation's stack names: a letter, then letters, digits and `-`, at most 128.
    public static func isValidName(_ s: String) -> Bool {
        guard let first = s.first, first.isASCII, first.isLetter, s.count <= 128 else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    /// Still changing; REVIEW_IN_PROGRESS is a stack that only has change sets, not an operation.
    public static func isInProgress(_ status: String) -> Bool {
        status.hasSuffix("_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS"
    }

    /// The end states of a successful operation.
    public static let succeeded: Set<String> = [
        "CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE", "DELETE_COMPLETE",
    ]

    /// cfn-deploy's answer: `{"StackName","StackId","Status","Outputs":{…},"Changed"}`.
    public func result(changed: Bool) -> JSON {
        [
            "StackName": .string(name), "StackId": .string(id), "Status": .string(status),
            "Outputs": .object(outputs.map { ($0.0, .string($0.1)) }), "Changed": .bool(changed),
        ]
    }
}
