import Foundation
import Testing
@testable import AWSCore

extension Integration {
    /// `AWS_RETRY_MODE=adaptive`: after throttling answers the client waits for send tokens;
    /// standard mode only backs off.
    @Suite struct AdaptiveRetryTests {
        func describeImagesThrottledTwice(mode: String) throws -> ToolResult {
            try Emulator.configure(["faultRate": 1, "faultKinds": ["throttling"], "faultLimit": 2])
            defer {
                try? Emulator.configure([
                    "faultRate": 0, "faultKinds": ["slowdown", "throttling", "drop"], "faultLimit": nil,
                ])
            }
            let request =
                #"{"service":"ec2","headers":{"Content-Type":"application/x-www-form-urlencoded"},"#
                + #""body":"Action=DescribeImages&Version=2016-11-15&Owner.1=self"}"#
            return try run(
                "aws-sign-request", stdin: request,
                env: Emulator.environment(["AWS_RETRY_MODE": mode, "SANDBOX_DEBUG": "1"]))
        }

        @Test func adaptiveModeWaitsForSendTokensAfterThrottling() throws {
            let adaptive = try describeImagesThrottledTwice(mode: "adaptive")
            #expect(adaptive.status == 0, "\(adaptive.stderr)")
            #expect(adaptive.stderr.contains("for a send token"), "\(adaptive.stderr)")
            let standard = try describeImagesThrottledTwice(mode: "standard")
            #expect(standard.status == 0, "\(standard.stderr)")
            #expect(!standard.stderr.contains("send token"), "\(standard.stderr)")
        }
    }
}
