import AWSCore

/// EC2's answer to a request sent with `DryRun=true`: whether the caller may make it. EC2 API
/// reference, common parameters: "If you have the required permissions, the error response is
/// DryRunOperation. Otherwise, it is UnauthorizedOperation." Nothing is made either way.
public enum DryRun: Equatable {
    case allowed
    /// UnauthorizedOperation, with EC2's message.
    case denied(String)
}

extension AWSClient {
    /// The request `params` of `action` with `DryRun=true`. Safe to repeat (nothing is made), so
    /// it is retried like a read. Any answer other than the two above is an error.
    func dryRun(_ action: String, _ params: QueryParams) throws -> DryRun {
        do {
            _ = try query("ec2", action, params.pairs + [("DryRun", "true")], idempotent: true)
        } catch let ToolError.aws(e) where e.code == "DryRunOperation" {
            return .allowed
        } catch let ToolError.aws(e) where e.code == "UnauthorizedOperation" {
            return .denied(e.message)
        }
        throw ToolError.remote("\(action) with DryRun=true was carried out; EC2 should have answered DryRunOperation")
    }
}
