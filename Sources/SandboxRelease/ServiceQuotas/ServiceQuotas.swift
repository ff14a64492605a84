import AWSCore

/// Service Quotas: the value a quota has in this account and Region.
public struct ServiceQuotas {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// EC2's "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", in vCPUs.
    public static let standardInstances = (service: "ec2", code: "L-1216C47A")

    public func value(service: String, code: String) throws -> Double? {
        try client.json(
            "servicequotas", "GetServiceQuota", ["ServiceCode": .string(service), "QuotaCode": .string(code)])[
                "Quota"]?["Value"]?.number
    }
}
