import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// `start-release` against the emulator's CodeBuild, on a project with a tiny buildspec of
    /// its own: it fails when EXTRA holds EMULATOR-FAIL, and sleeps when EXTRA is `slow`.
    @Suite struct StartReleaseTests {
        let aws: AWSClient
        let unique: String

        init() throws {
            aws = try AWSClient(environment: Emulator.environment())
            unique = "\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
        }

        static let buildspec = """
            version: 0.2
            phases:
              build:
                commands:
                  - echo "asset $ASSET_ID public [$MAKE_PUBLIC] extra $EXTRA"
                  - if [ "$EXTRA" = slow ]; then sleep 6; fi
                  - case "$EXTRA" in *EMULATOR-FAIL*) exit 3;; esac
            """

        /// The project's service role: the emulator hands each build that role's credentials, as
        /// CodeBuild does, so it must exist (allowed everything: the buildspec only echoes).
        func makeServiceRole() throws -> String {
            let name = "codebuild-fixture-\(unique)"
            let trust =
                #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
            let created = try aws.query("iam", "CreateRole", [("RoleName", name), ("AssumeRolePolicyDocument", trust)])
            let all = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
            _ = try aws.query(
                "iam", "PutRolePolicy", [("RoleName", name), ("PolicyName", "all"), ("PolicyDocument", all)])
            return try #require(created["CreateRoleResult"]?["Role"]?["Arn"]?.string)
        }

        func makeProject() throws -> String {
            let name = "start-release-\(unique)"
            let role = try makeServiceRole()
            _ = try aws.json(
                "codebuild", "CreateProject",
                [
                    "name": .string(name),
                    "source": ["type": "NO_SOURCE", "buildspec": .string(StartReleaseTests.buildspec)],
                    "artifacts": ["type": "NO_ARTIFACTS"],
                    "environment": [
                        "type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                        "computeType": "BUILD_GENERAL1_SMALL",
                    ],
                    "serviceRole": .string(role),
                ])
            return name
        }

        func variables(_ build: JSON?) -> [String: String] {
            var out: [String: String] = [:]
            for v in build?["environment"]?["environmentVariables"]?.list ?? [] {
                if let n = v["name"]?.string { out[n] = v["value"]?.string }
            }
            return out
        }

        @Test func aBuildThatSucceedsIsFollowedToItsEndWithItsLog() throws {
            let project = try makeProject()
            let assetId = "ok-\(unique)"
            let r = try run(
                "start-release",
                [
                    "--asset-id", assetId, "--project", project, "--make-public",
                    "--env", "EXTRA=a=b c",
                ])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.json?["buildStatus"] == "SUCCEEDED")
            #expect(r.json?["currentPhase"] == "COMPLETED")
            #expect(variables(r.json)["ASSET_ID"] == assetId)
            #expect(variables(r.json)["MAKE_PUBLIC"] == "1")
            #expect(variables(r.json)["EXTRA"] == "a=b c")
            // The build's own log line, read from CloudWatch Logs, and its progress, on stderr only.
            #expect(r.stderr.contains("asset \(assetId) public [1] extra a=b c"), "\(r.stderr)")
            #expect(r.stderr.contains("IN_PROGRESS"), "\(r.stderr)")
            #expect(!r.stdout.contains("extra a=b c"))

            // The same asset-id again: the idempotency token answers the build already started.
            let again = try run(
                "start-release",
                [
                    "--asset-id", assetId, "--project", project, "--make-public",
                    "--env", "EXTRA=a=b c",
                ])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.json?["id"] != nil && again.json?["id"] == r.json?["id"])
        }

        @Test func aBuildThatFailsExitsOneNamingItsStatus() throws {
            let project = try makeProject()
            let r = try run(
                "start-release",
                [
                    "--asset-id", "fail-\(unique)", "--project", project,
                    "--env", "EXTRA=EMULATOR-FAIL",
                ])
            #expect(r.status == 1, "\(r.stderr)")
            #expect(r.json?["buildStatus"] == "FAILED")
            #expect(variables(r.json)["MAKE_PUBLIC"] == "")
            #expect(r.stderr.split(separator: "\n").last?.hasSuffix("ended FAILED") == true, "\(r.stderr)")
        }

        @Test func badInputExitsTwoBeforeAnyRequest() throws {
            let before = try Emulator.requestCount()
            for args in [
                ["--asset-id", "x", "--env", "1BAD=v"], ["--asset-id", "x", "--env", "NOVALUE"],
                ["--asset-id", "-bad"], ["--asset-id", "x", "--timeout", "0"],
            ] {
                let r = try run("start-release", args + ["--project", "p"])
                #expect(r.status == 2, "\(args): \(r.stderr)")
                #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            }
            #expect(try Emulator.requestCount() == before)
        }

        /// Runs start-release on a slow build of `project`, sends SIGINT once CodeBuild lists the
        /// build, and expects exit 130 with the way to stop that build; returns the build's id.
        func interruptOnceTheBuildExists(_ project: String, assetId: String) throws -> String {
            let tool = try StartedTool(
                "start-release", ["--asset-id", assetId, "--project", project, "--env", "EXTRA=slow"])
            var ids: [JSON] = []
            try tool.signal(SIGINT, when: "the build exists") {
                let listed = try aws.json("codebuild", "ListBuildsForProject", ["projectName": .string(project)])
                ids = listed["ids"]?.list ?? []
                return !ids.isEmpty
            }
            let r = tool.finish()
            let id = try #require(ids.first?.string)
            #expect(r.status == 130, "\(r.stderr)")
            #expect(r.stderr.contains("aws codebuild stop-build --id '\(id)'"), "\(r.stderr)")
            return id
        }

        /// A signal while StartBuild's answer is on its way (the emulator holds it back once the
        /// build exists): the call is let finish, so the tool still names the build it started.
        @Test func sigintDuringStartBuildStillNamesTheBuild() throws {
            let project = try makeProject()
            try Emulator.configure(["delay": ["action": "StartBuild", "seconds": 4]])
            defer { try? Emulator.configure(["delay": nil]) }
            _ = try interruptOnceTheBuildExists(project, assetId: "inflight-\(unique)")
        }

        @Test func sigintStopsTheFollowingNotTheBuild() throws {
            let id = try interruptOnceTheBuildExists(try makeProject(), assetId: "slow-\(unique)")
            // The build was left running, and ends by itself.
            let waiter = Waiter("build \(id)", timeout: 60, firstDelay: 0.5, maxDelay: 1)
            let build = try waiter.wait { () -> Waiter.Poll<JSON> in
                let b = try Builds(aws).get(id)
                return b["buildStatus"] == "IN_PROGRESS" ? .pending("running") : .done(b)
            }
            #expect(build["buildStatus"] == "SUCCEEDED")
        }
    }
}
