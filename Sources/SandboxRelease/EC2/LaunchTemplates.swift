import AWSCore

/// EC2 launch templates, which the EC2 stack creates: the request CloudFormation sends, tried with DryRun.
public struct LaunchTemplates {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// Whether CreateLaunchTemplate, tagged at creation as the stack's template is, would be allowed.
    public func mayCreate(name: String, tags: [(String, String)]) throws -> DryRun {
        var p = QueryParams()
        p.add("LaunchTemplateName", name)
        p.add("LaunchTemplateData.MetadataOptions.HttpTokens", "required")
        p.tagSpecifications(["launch-template"], tags: tags)
        return try client.dryRun("CreateLaunchTemplate", p)
    }
}
