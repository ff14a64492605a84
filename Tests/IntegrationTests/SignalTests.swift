import Foundation
import Testing
@testable import AWSCore

/// SIGINT and SIGTERM at the process level, for each tool: the relay lets the emulator do the
/// request the tool is waiting for and holds back its answer, the test signals the tool, and
/// then checks what the tool cleaned up (not only its exit code). ami-export's signals are in
/// AmiExportTests.
extension Integration {
    @Suite struct SignalTests {
        let unique = "sig\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
        let dir = NSTemporaryDirectory() + "signal-tests-\(getpid())"
        let aws: AWSClient

        init() throws {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            aws = try AWSClient(environment: Emulator.environment())
        }

        /// Runs a tool through `relay`, sends `signal` once the relay holds the answer the tool
        /// waits for, and returns how the tool ended.
        func interrupted(_ tool: String, _ args: [String], stdin: String = "", relay: Relay, signal: Int32) throws
            -> ToolResult
        {
            let started = try StartedTool(
                tool, args, stdin: stdin, env: Emulator.environment(["AWS_ENDPOINT_URL": relay.url]))
            let reached = Wait.until { relay.held || !started.isRunning }
            if started.isRunning { started.signal(reached ? signal : SIGKILL) }
            let result = started.finish()
            #expect(relay.held, "\(tool) ended (exit \(result.status)) before the request to hold: \(result.stderr)")
            return result
        }

        func keyPairs(tagged value: String) throws -> [String] {
            var p = QueryParams()
            p.filters([("tag:asset-id", [value])])
            return try aws.query("ec2", "DescribeKeyPairs", p.pairs)["keySet"]?.list.compactMap {
                $0["keyName"]?.string
            } ?? []
        }

        func deleteKeyPairs(tagged value: String) {
            for name in (try? keyPairs(tagged: value)) ?? [] {
                _ = try? aws.query("ec2", "DeleteKeyPair", [("KeyName", name)])
            }
        }

        /// The pair exists in AWS while its answer is on the way: the tool must delete it again.
        @Test(arguments: [SIGINT, SIGTERM])
        func keypairCreateDeletesThePairWhoseAnswerItWaitedFor(signal: Int32) throws {
            let id = "\(unique)-\(signal)", file = dir + "/\(id).pem"
            defer { deleteKeyPairs(tagged: id) }
            let relay = try Relay(hold: "Action=CreateKeyPair")
            defer { relay.stop() }
            let r = try interrupted(
                "keypair", ["create", "--asset-id", id, "--key-file", file], relay: relay, signal: signal)
            #expect(r.status == 128 + signal, "\(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: file))
            #expect(try keyPairs(tagged: id).isEmpty, "the pair was left behind: \(r.stderr)")
        }

        /// cfn-deploy promises no rollback: CloudFormation goes on, and the message says how to wait for it.
        @Test(arguments: [SIGINT, SIGTERM])
        func cfnDeploySaysTheChangeSetGoesOn(signal: Int32) throws {
            let stack = "EC2-DATA-SCIENCE-SANDBOX-\(unique)-\(signal)"
            let template = dir + "/\(stack).yaml"
            try "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n".write(
                toFile: template, atomically: true, encoding: .utf8)
            defer { _ = try? run("cfn-deploy", ["--delete", "--stack", stack]) }
            let relay = try Relay(hold: "Action=Describe", after: "Action=ExecuteChangeSet")
            defer { relay.stop() }
            let r = try interrupted(
                "cfn-deploy", ["--stack", stack, "--template", template], relay: relay, signal: signal)
            #expect(r.status == 128 + signal, "\(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(
                r.stderr.contains(
                    "CloudFormation goes on with the change set; run the same deploy again to wait for it"),
                "\(r.stderr)")
            let again = try run("cfn-deploy", ["--stack", stack, "--template", template])
            #expect(again.status == 0 && again.json?["Status"] == "CREATE_COMPLETE", "\(again.stderr)")
        }

        /// The purge ends after the asset in flight: the later kinds are left, and a second purge removes them.
        @Test(arguments: [SIGINT, SIGTERM])
        func purgeStopsBetweenAssets(signal: Int32) throws {
            let id = "\(unique)-p\(signal)"
            _ = try Seed.run([
                "--asset-id", id, "--bucket", "sig-\(unique)-\(signal)", "--objects", "0", "--amis", "1",
                "--exports", "0", "--key-pairs", "1", "--stacks", "0",
            ])
            let listed = try run("list-assets", ["--asset-id", id, "--kinds", "ami,snapshot,key-pair"])
            defer { _ = try? run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout) }
            #expect(listed.json?.array?.count == 3, "\(listed.stderr)")
            let relay = try Relay(hold: "Action=DeregisterImage")
            defer { relay.stop() }
            let r = try interrupted(
                "purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout, relay: relay, signal: signal)
            #expect(r.status == 128 + signal, "\(r.stderr)")
            #expect(!r.stdout.contains("snapshot") && !r.stdout.contains("key-pair"), "\(r.stdout)")
            let left = try run("list-assets", ["--asset-id", id, "--kinds", "ami,snapshot,key-pair"])
            #expect(
                Set(left.json?.array?.compactMap { $0["Kind"]?.string } ?? []) == ["snapshot", "key-pair"],
                "\(left.stdout)")
            let rest = try run("purge-assets", ["--yes", "--asset-id", id], stdin: left.stdout)
            #expect(rest.status == 0, "\(rest.stderr)")
        }

        /// A partial list would look complete: an interrupted listing prints nothing.
        @Test(arguments: [SIGINT, SIGTERM])
        func listAssetsPrintsNothing(signal: Int32) throws {
            let relay = try Relay(hold: "Action=DescribeImages")
            defer { relay.stop() }
            let r = try interrupted("list-assets", ["--asset-id", unique], relay: relay, signal: signal)
            #expect(r.status == 128 + signal, "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }

        @Test(arguments: [SIGINT, SIGTERM])
        func awsSignRequestPrintsNothing(signal: Int32) throws {
            let relay = try Relay(hold: "Action=DescribeRegions")
            defer { relay.stop() }
            let r = try interrupted(
                "aws-sign-request", [], stdin: #"{"service":"ec2","body":"Action=DescribeRegions&Version=2016-11-15"}"#,
                relay: relay, signal: signal)
            #expect(r.status == 128 + signal, "\(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.contains("interrupted"), "\(r.stderr)")
        }
    }
}
