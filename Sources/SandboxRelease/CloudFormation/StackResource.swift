import AWSCore

/// A resource of a stack, as CloudFormation lists it.
public struct StackResource: Equatable {
    public var type: String
    public var logicalId: String
    public var physicalId: String?
    public var status: String

    public init(type: String, logicalId: String, physicalId: String?, status: String) {
        self.type = type
        self.logicalId = logicalId
        self.physicalId = physicalId
        self.status = status
    }

    init(_ r: JSON) {
        self.init(
            type: r["ResourceType"]?.string ?? "", logicalId: r["LogicalResourceId"]?.string ?? "",
            physicalId: r["PhysicalResourceId"]?.nonEmptyString, status: r["ResourceStatus"]?.string ?? "")
    }

    /// CloudFormation's own names, as `aws cloudformation describe-stack-resources` prints them.
    public var json: JSON {
        [
            "LogicalResourceId": .string(logicalId), "PhysicalResourceId": JSON(physicalId),
            "ResourceType": .string(type), "ResourceStatus": .string(status),
        ]
    }
}
