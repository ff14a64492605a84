import Foundation
import Testing
@testable import AWSCore

/// The request was done, its answer lost on the way (the relay closes the connection after the
/// emulator did the work). A POST that could create twice is not sent again; a read is.
extension Integration {
    @Suite struct LostAnswerTests {
        let unique = "lost\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
        let aws: AWSClient

        init() throws { aws = try AWSClient(environment: Emulator.environment()) }

        func keyPairs(named name: String) throws -> [JSON] {
            var p = QueryParams()
            p.filters([("key-name", [name])])
            return try aws.query("ec2", "DescribeKeyPairs", p.pairs)["keySet"]?.list ?? []
        }

        /// An EC2 query request for aws-sign-request.
        func query(_ form: String) -> String {
            #"{"service":"ec2","headers":{"Content-Type":"application/x-www-form-urlencoded"},"body":"\#(form)"}"#
        }

        func through(_ relay: Relay) -> [String: String] { Emulator.environment(["AWS_ENDPOINT_URL": relay.url]) }

        @Test func aCreateWhoseAnswerWasLostIsNotSentAgain() throws {
            let name = "sandbox-\(unique)"
            defer { _ = try? aws.query("ec2", "DeleteKeyPair", [("KeyName", name)]) }
            let relay = try Relay(lose: "Action=CreateKeyPair")
            defer { relay.stop() }
            let r = try run(
                "aws-sign-request", stdin: query("Action=CreateKeyPair&Version=2016-11-15&KeyName=\(name)"),
                env: through(relay))
            #expect(relay.held)
            #expect(r.status == 1 && r.stdout.isEmpty, "\(r.stderr)")
            #expect(!r.stderr.contains("Duplicate"), "CreateKeyPair was sent again: \(r.stderr)")
            #expect(try keyPairs(named: name).count == 1, "the emulator did not make the pair: the test proves nothing")
        }

        @Test func aReadWhoseAnswerWasLostIsSentAgain() throws {
            let relay = try Relay(lose: "Action=DescribeRegions")
            defer { relay.stop() }
            let r = try run(
                "aws-sign-request", stdin: query("Action=DescribeRegions&Version=2016-11-15"),
                env: through(relay))
            #expect(relay.held)
            #expect(r.status == 0 && r.json?["status"] == 200, "\(r.stderr)")
        }

        /// keypair's promise: the key material is lost with the answer, so the pair is deleted and made anew.
        @Test func keypairMakesThePairAnewWhenItsAnswerWasLost() throws {
            let file = NSTemporaryDirectory() + "\(unique).pem", name = "sandbox-\(unique)-anew"
            defer {
                _ = try? aws.query("ec2", "DeleteKeyPair", [("KeyName", name)])
                unlink(file)
            }
            let relay = try Relay(lose: "Action=CreateKeyPair")
            defer { relay.stop() }
            let r = try run(
                "keypair", ["create", "--asset-id", unique, "--key-file", file, "--name", name], env: through(relay))
            #expect(relay.held)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("the answer was lost"), "\(r.stderr)")
            let pairs = try keyPairs(named: name)
            #expect(pairs.count == 1 && pairs.first?["keyPairId"] == r.json?["KeyPairId"], "\(pairs)")
            #expect(FileManager.default.fileExists(atPath: file))
        }
    }
}
